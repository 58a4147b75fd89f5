// Self-managed webhook certificates, the shell: every replica reads the serving pair from its
// Secret and serves it; the leader also issues the serving certificate when missing or due, each
// time from a fresh CA whose key is thrown away (no CA key at rest: see rotation.ts), and keeps
// both webhook configurations' caBundle in step (the new CA is trusted before anything signed by
// it is served). The Secret is created by the chart, so hahaha needs no create permission; every
// write uses the object's resourceVersion, so two writers cannot both win. Every call has a
// deadline, and a renewal in progress is abandoned when leadership is lost.

import type { V1MutatingWebhookConfiguration, V1Secret, V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { createCA, issueServing } from '../../webhook-certs/certs.ts';
import { type CertPolicy, KEYS, type StoredCerts, caBundle, decideCerts, nextCheckMs, previousAfterRotation } from './rotation.ts';
import { REQUEST_TIMEOUT_MS, deadline, statusOf } from '../controller/api.ts';
import { type CallOptions, type KubeClient, apiPath } from '../kube/client.ts';

export interface SelfManagedOptions {
  readonly namespace: string;
  readonly secretName: string;
  readonly webhookConfigName: string;
  readonly policy: CertPolicy;
  readonly log: FastifyBaseLogger;
  /** A new serving pair to serve. */
  readonly onPair: (pair: { cert: string; key: string }) => void;
  /** The API calls made (a seam for tests; default: kubeCertificatesApi over the client). */
  readonly api?: CertificatesApi;
}

/** The calls the certificate shell makes: its Secret, and the two webhook configurations (named and shaped as client-node's). */
export interface CertificatesApi {
  readNamespacedSecret(p: { name: string; namespace: string }, options: CallOptions): Promise<V1Secret>;
  replaceNamespacedSecret(p: { name: string; namespace: string; body: V1Secret }, options: CallOptions): Promise<V1Secret>;
  readMutatingWebhookConfiguration(p: { name: string }, options: CallOptions): Promise<V1MutatingWebhookConfiguration>;
  replaceMutatingWebhookConfiguration(p: { name: string; body: V1MutatingWebhookConfiguration }, options: CallOptions): Promise<V1MutatingWebhookConfiguration>;
  readValidatingWebhookConfiguration(p: { name: string }, options: CallOptions): Promise<V1ValidatingWebhookConfiguration>;
  replaceValidatingWebhookConfiguration(p: { name: string; body: V1ValidatingWebhookConfiguration }, options: CallOptions): Promise<V1ValidatingWebhookConfiguration>;
}

const decode = (s: V1Secret | undefined): StoredCerts => {
  const d = s?.data ?? {};
  const get = (k: string): string | undefined => (d[k] ? Buffer.from(d[k], 'base64').toString('utf8') : undefined);
  return {
    ...(get(KEYS.caCert) ? { caCert: get(KEYS.caCert) } : {}),
    ...(get(KEYS.caKey) ? { caKeyAtRest: true } : {}),
    ...(get(KEYS.cert) ? { cert: get(KEYS.cert) } : {}),
    ...(get(KEYS.key) ? { key: get(KEYS.key) } : {}),
    ...(get(KEYS.previousCas) ? { previousCas: get(KEYS.previousCas) } : {}),
  };
};

const encode = (s: StoredCerts): Record<string, string> => {
  const out: Record<string, string> = {};
  const put = (key: string, v: string | undefined): void => {
    if (v) out[key] = Buffer.from(v).toString('base64');
  };
  put(KEYS.caCert, s.caCert);
  put(KEYS.cert, s.cert);
  put(KEYS.key, s.key);
  put(KEYS.previousCas, s.previousCas);
  return out;
};

const HOOKS = '/apis/admissionregistration.k8s.io/v1';

/** The certificate shell's calls as REST calls on the client. */
export function kubeCertificatesApi(client: KubeClient): CertificatesApi {
  const secret = ({ name, namespace }: { name: string; namespace: string }) => apiPath`/api/v1/namespaces/${namespace}/secrets/${name}`;
  const mutating = (name: string) => `${HOOKS}${apiPath`/mutatingwebhookconfigurations/${name}`}`;
  const validating = (name: string) => `${HOOKS}${apiPath`/validatingwebhookconfigurations/${name}`}`;
  return {
    readNamespacedSecret: (p, options) => client.get(secret(p), options),
    replaceNamespacedSecret: (p, options) => client.replace(secret(p), p.body, options),
    readMutatingWebhookConfiguration: ({ name }, options) => client.get(mutating(name), options),
    replaceMutatingWebhookConfiguration: ({ name, body }, options) => client.replace(mutating(name), body, options),
    readValidatingWebhookConfiguration: ({ name }, options) => client.get(validating(name), options),
    replaceValidatingWebhookConfiguration: ({ name, body }, options) => client.replace(validating(name), body, options),
  };
}

export class SelfManagedCerts {
  private readonly api: CertificatesApi;
  private readonly opts: SelfManagedOptions;
  private leading = false;
  private served?: string;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;
  private ticking = false;
  private leadPending = false;
  /** Aborted when leadership is lost: a renewal in progress writes nothing more. */
  private lead = new AbortController();

  constructor(client: KubeClient, options: SelfManagedOptions) {
    this.api = options.api ?? kubeCertificatesApi(client);
    this.opts = options;
  }

  /** Undefined once a pair from the Secret is served, else why not (for /readyz). */
  readiness(): string | undefined {
    return this.served ? undefined : `waiting for the serving certificate in Secret ${this.opts.namespace}/${this.opts.secretName}`;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  startLeading(): void {
    this.leading = true;
    this.lead = new AbortController();
    if (this.ticking) this.leadPending = true;
    else this.schedule(0);
  }

  stopLeading(): void {
    this.leading = false;
    this.lead.abort(new Error('no longer the leader'));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // One look at a time: a look in progress schedules the next one when it ends.
      if (this.ticking) return;
      this.ticking = true;
      this.running = this.tick()
        .catch((err: unknown) => {
          this.opts.log.warn({ err, secret: this.opts.secretName }, 'self-managed certificates: will try again');
          return 5000;
        })
        .then((next) => {
          this.ticking = false;
          this.schedule(this.leading && this.leadPending ? 0 : next);
          this.leadPending = false;
        });
    }, ms);
    this.timer.unref();
  }

  /** One look: renew if leading and due, sync the caBundle, serve what the Secret holds. Returns when to look again. */
  private async tick(): Promise<number> {
    const { namespace, secretName, policy, log } = this.opts;
    let secret: V1Secret;
    try {
      secret = await this.api.readNamespacedSecret({ name: secretName, namespace }, deadline(REQUEST_TIMEOUT_MS));
    } catch (e) {
      if (statusOf(e) === 404) {
        log.error({ secret: `${namespace}/${secretName}` }, 'self-managed certificates: the Secret does not exist (the Helm chart creates it)');
        return 10_000;
      }
      throw e;
    }
    let stored = decode(secret);
    const now = new Date();
    if (this.leading) {
      const lead = this.lead.signal;
      const d = decideCerts(stored, policy, now);
      if (d.issue) {
        // A CA for this certificate only, as long-lived as it; its key is never written anywhere.
        const ca = await createCA(undefined, { caMs: policy.certLifetimeMs, now });
        const leaf = await issueServing(ca, policy.hosts, { servingMs: policy.certLifetimeMs, now });
        const previousCas = previousAfterRotation(stored, ca.cert, now);
        const next: StoredCerts = { caCert: ca.cert, cert: leaf.cert, key: leaf.key, ...(previousCas ? { previousCas } : {}) };
        if (lead.aborted) return 1000;
        // Trust first: the bundle carries the new CA before a certificate signed by it is served, and
        // still the stored ones, which replicas serve until they read the new pair (or if this write loses).
        await this.syncBundle(caBundle(next, now), lead);
        if (lead.aborted) return 1000;
        try {
          const data = { ...secret.data, ...encode(next) };
          delete data[KEYS.caKey];
          if (!next.previousCas) delete data[KEYS.previousCas];
          secret = await this.api.replaceNamespacedSecret({ name: secretName, namespace, body: { ...secret, data } }, deadline(REQUEST_TIMEOUT_MS, lead));
        } catch (e) {
          if (statusOf(e) === 409) return 1000; // someone else wrote it: read it again
          throw e;
        }
        stored = next;
        log.info({ reasons: d.reasons, hosts: policy.hosts, notAfter: new Date(now.getTime() + policy.certLifetimeMs).toISOString() }, 'self-managed certificates renewed (a fresh CA; its key is not kept)');
      }
      if (!lead.aborted) await this.syncBundle(caBundle(stored, now), lead);
    }
    if (stored.cert && stored.key && stored.cert !== this.served) {
      try {
        this.opts.onPair({ cert: stored.cert, key: stored.key });
        this.served = stored.cert;
      } catch (err) {
        log.warn({ err }, 'self-managed certificates: the pair in the Secret is not usable yet');
      }
    }
    return this.served ? nextCheckMs(stored, policy, now) : 2000;
  }

  /** Make every webhook of both configurations carry this caBundle. */
  private async syncBundle(pem: string, lead: AbortSignal): Promise<void> {
    const want = Buffer.from(pem).toString('base64');
    const name = this.opts.webhookConfigName;
    const update = async <T extends { webhooks?: { clientConfig: { caBundle?: string } }[] }>(kind: string, read: () => Promise<T>, write: (body: T) => Promise<unknown>): Promise<void> => {
      let obj: T;
      try {
        obj = await read();
      } catch (e) {
        if (statusOf(e) === 404) {
          this.opts.log.warn({ kind, name }, 'self-managed certificates: webhook configuration not found');
          return;
        }
        throw e;
      }
      if ((obj.webhooks ?? []).every((w) => w.clientConfig.caBundle === want)) return;
      for (const w of obj.webhooks ?? []) w.clientConfig.caBundle = want;
      await write(obj);
      this.opts.log.info({ kind, name }, 'caBundle updated');
    };
    const opts = () => deadline(REQUEST_TIMEOUT_MS, lead);
    await update('MutatingWebhookConfiguration', () => this.api.readMutatingWebhookConfiguration({ name }, opts()), (body) => this.api.replaceMutatingWebhookConfiguration({ name, body }, opts()));
    await update('ValidatingWebhookConfiguration', () => this.api.readValidatingWebhookConfiguration({ name }, opts()), (body) => this.api.replaceValidatingWebhookConfiguration({ name, body }, opts()));
  }
}
