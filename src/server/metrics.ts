// Prometheus metrics: one registry per process with the default process metrics and hahaha's own.
// Served on a separate plain-HTTP port so scraping needs no TLS and no access to the webhook port.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { boundLabels } from './labels.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly admissionRequests: Counter<'webhook' | 'operation' | 'result'>;
  readonly admissionDuration: Histogram<'webhook'>;
  readonly sidecarShutdowns: Counter<'namespace' | 'container' | 'step' | 'result'>;
  readonly shutdownDuration: Histogram;
  readonly reaction: Histogram;
  readonly queueWait: Histogram<'lane'>;
  readonly kubeRequests: Histogram<'verb' | 'resource' | 'code'>;
  readonly podsAwaiting: Gauge;
  readonly oldestAwaiting: Gauge;
  readonly unsupportedSidecars: Counter<'namespace' | 'container' | 'reason'>;
  readonly watchRestarts: Counter<'namespace'>;
  readonly leader: Gauge;
  readonly eventFailures: Counter<'reason'>;
  readonly eventsDropped: Counter;
  readonly recordConflicts: Counter;
  readonly nativeConversion: Gauge<'reason'>;
  readonly nativeNotStopped: Counter<'namespace' | 'container'>;
  readonly nativeNotStarted: Counter<'namespace' | 'container'>;
}

/** Pods whose main containers are done while a sidecar still runs: key -> when the mains finished (ms). */
export type AwaitingPods = Map<string, number>;

/**
 * hahaha's metrics in a registry of their own. Every label value goes through its vocabulary
 * (labels.ts): no series is ever made from a value a request or a pod chose.
 */
export function createMetrics(awaiting: AwaitingPods = new Map()): Metrics {
  const metrics = allMetrics(awaiting);
  boundLabels(metrics.registry);
  return metrics;
}

function allMetrics(awaiting: AwaitingPods): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    admissionRequests: new Counter({
      name: 'hahaha_admission_requests_total',
      help: 'Admission requests answered, by webhook (mutate, validate), operation (CREATE, UPDATE, DELETE, CONNECT, other; empty for a body that was not an AdmissionReview) and result (patched, allowed, denied, skipped, invalid, error).',
      labelNames: ['webhook', 'operation', 'result'],
      registers: [registry],
    }),
    admissionDuration: new Histogram({
      name: 'hahaha_admission_duration_seconds',
      help: 'Time to answer an admission request, from body parsed to response sent.',
      labelNames: ['webhook'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    sidecarShutdowns: new Counter({
      name: 'hahaha_sidecar_shutdowns_total',
      help: 'Shutdown steps carried out, by step kind (http, exec) and result: success (the container terminated), failed (the step failed), still-running (the step answered but the container did not terminate within the grace period), restarted (the container restarted instead), pod-replaced (a new pod of the same name), pod-deleted (the pod went away first).',
      labelNames: ['namespace', 'container', 'step', 'result'],
      registers: [registry],
    }),
    shutdownDuration: new Histogram({
      name: 'hahaha_shutdown_duration_seconds',
      help: 'From the last main container terminating to the last sidecar terminating, per pod hahaha shut sidecars down in.',
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900],
      registers: [registry],
    }),
    reaction: new Histogram({
      name: 'hahaha_shutdown_reaction_seconds',
      help: "From the pod change that showed a pod's main containers finished reaching hahaha (its watch event) to the first shutdown step sent for the pod: the controller's own delay (queue, claim), without the sidecar's.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: 'hahaha_queue_wait_seconds',
      help: "How long a pod's key waited in the controller's work queue before a worker took it, by lane: change (a watch event, or a look again that was due) or resync (the periodic look at every unfinished pod, taken only when no change waits).",
      labelNames: ['lane'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    kubeRequests: new Histogram({
      name: 'hahaha_kube_request_duration_seconds',
      help: 'Calls to the Kubernetes API (not watches or streams), by HTTP verb, resource (one hahaha calls, else other; never an object name) and status code (0: no whole answer, e.g. a deadline; other outside 100-599), until the answer was read.',
      labelNames: ['verb', 'resource', 'code'],
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    podsAwaiting: new Gauge({
      name: 'hahaha_pods_awaiting_shutdown',
      help: 'Managed pods whose main containers have finished while a sidecar is still running or waiting: Jobs stuck on their sidecars until hahaha (or someone) stops them.',
      registers: [registry],
      collect() {
        this.set(awaiting.size);
      },
    }),
    oldestAwaiting: new Gauge({
      name: 'hahaha_oldest_awaiting_shutdown_seconds',
      help: 'How long the oldest pod in hahaha_pods_awaiting_shutdown has been waiting since its main containers finished (0 when none).',
      registers: [registry],
      collect() {
        // A loop, not Math.min(...values): a spread of a very large map exceeds the call-argument limit.
        let oldest = Infinity;
        for (const since of awaiting.values()) if (since < oldest) oldest = since;
        this.set(awaiting.size ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
      },
    }),
    nativeConversion: new Gauge({
      name: 'hahaha_native_conversion',
      help: 'Whether the mutating webhook makes sidecars native now (1) or not (0), with the reason: mode-on, mode-off, all-current (auto: the apiserver and every node are new enough), kubelet-old, apiserver-old, apiserver-unknown, nodes-not-synced. One series, the current one.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    nativeNotStopped: new Counter({
      name: 'hahaha_native_sidecars_not_stopped_total',
      help: "Native sidecars still running after the pod's terminationGracePeriodSeconds plus a margin once the regular containers had finished: the kubelet failed to stop them, and hahaha applied their fallback action.",
      labelNames: ['namespace', 'container'],
      registers: [registry],
    }),
    nativeNotStarted: new Counter({
      name: 'hahaha_native_sidecars_not_started_total',
      help: 'Native sidecars that never started (image, crash loop, startupProbe), so the main containers of their pod could not start; counted once per pod.',
      labelNames: ['namespace', 'container'],
      registers: [registry],
    }),
    unsupportedSidecars: new Counter({
      name: 'hahaha_unsupported_sidecars_total',
      help: 'Running sidecars of finished pods that hahaha could not shut down, by reason: no-action (no annotation, no catalog entry, or exec refused by the policy) or not-started (waiting).',
      labelNames: ['namespace', 'container', 'reason'],
      registers: [registry],
    }),
    watchRestarts: new Counter({
      name: 'hahaha_watch_restarts_total',
      help: 'Times a cache (pods, or Nodes: namespace "*") became stale: a failed list or watch, or a watch with no event or bookmark for too long. hahaha acts on nothing until the next list succeeds.',
      labelNames: ['namespace'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'hahaha_leader',
      help: '1 while this replica holds the lease and acts, else 0.',
      registers: [registry],
    }),
    eventFailures: new Counter({
      name: 'hahaha_event_failures_total',
      help: 'Kubernetes Events that could not be written, by event reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    eventsDropped: new Counter({
      name: 'hahaha_events_dropped_total',
      help: 'Kubernetes Events not written because too many writes were already waiting (the writes in flight and queued are bounded).',
      registers: [registry],
    }),
    recordConflicts: new Counter({
      name: 'hahaha_record_conflicts_total',
      help: "Writes of a pod's state.hahaha.nais.io record that found it changed since it was read (another replica wrote first, or this cache lagged); the pod is looked at again.",
      registers: [registry],
    }),
  };
}

/** The plain-HTTP metrics server (GET /metrics). */
/**
 * The plain-HTTP metrics server. For a process without webhooks (`--no-webhooks`) it also answers
 * the probes: /healthz, and /readyz from `readiness` (the controller's).
 */
export function metricsServer(metrics: Metrics, o: { logger?: FastifyServerOptions['logger']; readiness?: () => string | undefined } = {}): FastifyInstance {
  const app = Fastify({ logger: o.logger ?? false });
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const { readiness } = o;
  if (readiness) {
    app.get('/healthz', () => Promise.resolve({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      const why = readiness();
      if (why !== undefined) return reply.code(503).send({ status: 'not ready', reason: why });
      return { status: 'ready' };
    });
  }
  return app;
}
