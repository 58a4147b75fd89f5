// The admission HTTP service: POST /mutate and /validate take AdmissionReview v1 and answer with
// the pure functions of core/admission; /healthz and /readyz answer probes. Bad requests get a
// 4xx with a JSON error that says what was wrong; an internal error fails open (allowed, logged,
// counted) because a webhook must never be the reason pods cannot be created.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions, LogController } from 'fastify';
import type { SecureContextOptions } from 'node:tls';
import { type AdmissionReview, type Webhook, mutate, parseReview, validate } from '../core/admission.ts';
import { type Config, MAX_MESSAGE, clip, quote } from '../core/analysis.ts';
import { type NativeDecision, NOT_CONVERTING } from '../core/native.ts';
import type { Metrics } from './metrics.ts';
import { operationLabel } from './labels.ts';

/** An AdmissionReview carries the object and the old object: 3 MiB is the apiserver's own request limit. */
export const BODY_LIMIT = 3 * 1024 * 1024;

export interface WebhookOptions {
  readonly config: Config;
  readonly metrics: Metrics;
  /** HTTPS when given (always, outside unit tests). */
  readonly tls?: SecureContextOptions & { cert: string; key: string };
  readonly logger?: FastifyServerOptions['logger'];
  /** The webhooks' readiness (the serving certificate): undefined when ready, or why not. */
  readonly readiness?: () => string | undefined;
  /** The controller's own readiness (its caches), at /readyz/controller: never part of /readyz. */
  readonly controllerReadiness?: () => string | undefined;
  /** Does the cluster convert new pods to native sidecars now (default: never). */
  readonly native?: () => NativeDecision;
}

export function webhookServer(opts: WebhookOptions): FastifyInstance {
  // Label children made once: prom-client hashes a label object on every call otherwise.
  const durations = { mutate: opts.metrics.admissionDuration.labels({ webhook: 'mutate' }), validate: opts.metrics.admissionDuration.labels({ webhook: 'validate' }) };
  const counters = new Map<string, { inc(): void }>();
  const count = (webhook: Webhook, requested: string, result: string): void => {
    // The operation is the request's own text: only its bounded label reaches the key or the metric.
    const operation = operationLabel(requested);
    const key = `${webhook} ${operation} ${result}`;
    let c = counters.get(key);
    if (!c) {
      c = opts.metrics.admissionRequests.labels({ webhook, operation, result });
      if (counters.size < 256) counters.set(key, c);
    }
    c.inc();
  };
  const app = Fastify({
    logger: opts.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // A "__proto__" or "constructor.prototype" key is dropped, not an error: the pod is still answered.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    return503OnClosing: true,
    ...(opts.tls ? { https: { ...opts.tls, minVersion: 'TLSv1.2' as const } } : {}),
  });

  // Admission requests are JSON; anything else is refused with 415 rather than half-understood.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    const webhook = req.routeOptions.url?.slice(1);
    if (webhook === 'mutate' || webhook === 'validate') {
      count(webhook, '', status >= 500 ? 'error' : 'invalid');
    }
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ error: 'internal error', message: 'the request could not be answered' });
    }
    // Bounded like every answer: a parser's message may quote the request.
    const reason = clip(err.message, MAX_MESSAGE);
    req.log.info({ path: clip(req.url, MAX_MESSAGE), status, reason }, 'bad request');
    const what =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `the body is larger than ${BODY_LIMIT} bytes`
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `content-type ${quote(req.headers['content-type'] ?? '')} is not supported: send application/json`
          : reason;
    return reply.code(status).send({ error: clip(err.code ?? 'bad request', 100), message: what });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not found', message: `no route ${req.method} ${clip(req.url, 200)}: use POST /mutate, POST /validate, GET /healthz, GET /readyz, GET /readyz/controller` }),
  );

  for (const webhook of ['mutate', 'validate'] as const) {
    const duration = durations[webhook];
    // Every answer of a webhook route is timed, 400, 413 and 415 included (they are answered from the error handler).
    const onResponse = (_req: unknown, reply: FastifyReply, done: () => void): void => {
      duration.observe(reply.elapsedTime / 1000);
      done();
    };
    app.post(`/${webhook}`, { onResponse }, async (req, reply) => {
      const parsed = parseReview(req.body);
      if (!parsed.ok) {
        count(webhook, '', 'invalid');
        req.log.info({ webhook, reason: parsed.error }, 'not an AdmissionReview');
        return reply.code(400).send({ error: 'invalid AdmissionReview', message: parsed.error });
      }
      const r = parsed.request;
      const ctx = () => ({ webhook, uid: r.uid, operation: r.operation, namespace: r.namespace, name: r.name });
      let body: AdmissionReview;
      try {
        const answer = webhook === 'mutate' ? mutate(r, opts.config, opts.native?.() ?? NOT_CONVERTING) : validate(r, opts.config);
        body = answer.review;
        count(webhook, r.operation, answer.result);
        if (answer.result === 'denied') req.log.info({ ...ctx(), message: answer.review.response.status?.message }, 'denied');
        else if (debugging(req.log)) req.log.debug({ ...ctx(), result: answer.result, operations: answer.patch?.length ?? 0, native: answer.analysis?.conversion?.moves.length ?? 0 }, 'answered');
      } catch (err) {
        count(webhook, r.operation, 'error');
        if (webhook === 'validate') {
          // The validating webhook does not decide for itself: a 500 leaves it to its configured failurePolicy.
          req.log.error({ ...ctx(), err }, 'validation failed; answering 500 so that the failurePolicy decides');
          return reply.code(500).send({ error: 'internal error', message: 'the validating webhook could not decide; the failurePolicy applies' });
        }
        req.log.error({ ...ctx(), err }, 'admission failed; allowing the request unchanged');
        body = failOpen(r.uid, webhook);
        return body;
      }
      return body;
    });
  }

  app.get('/healthz', () => Promise.resolve({ status: 'ok' }));
  // /readyz is the webhooks' alone (the Service's endpoints, the startupProbe): a controller whose
  // pod LIST fails must not take the webhooks down with it, or crash-loop every replica.
  const ready = (check: (() => string | undefined) | undefined, absent?: string) => async (_req: unknown, reply: FastifyReply) => {
    const why = check ? check() : absent;
    if (why !== undefined) return reply.code(503).send({ status: 'not ready', reason: why });
    return { status: 'ready' };
  };
  app.get('/readyz', ready(opts.readiness));
  app.get('/readyz/controller', ready(opts.controllerReadiness, 'the shutdown controller does not run in this process'));
  return app;
}

/** Is debug logging on: the line's fields are not even built otherwise (fastify's no-op logger has no levels). */
const debugging = (log: object): boolean =>
  'isLevelEnabled' in log && typeof log.isLevelEnabled === 'function' ? (log.isLevelEnabled as (level: string) => boolean)('debug') : false;

function failOpen(uid: string, webhook: Webhook): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed: true, warnings: [`hahaha: internal error in the ${webhook} webhook; the pod was admitted unchanged`] },
  };
}
