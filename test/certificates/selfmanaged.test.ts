// The self-managed certificate shell behind a fake API: the leader issues into the chart's Secret
// with no CA key, trusts the new CA in both webhook configurations first, removes a CA key an older
// hahaha left at rest, and a renewal in progress writes nothing once leadership is lost.

import t from 'tap';
import type { V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
import { SelfManagedCerts } from '../../src/certificates/selfmanaged.ts';
import { memoryLog, unusedClient } from '../controller/fakes.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString();

class FakeApi {
  secret: V1Secret = { metadata: { name: 'tls', namespace: 'ns', resourceVersion: '1' }, data: {} };
  configs = { mutating: { webhooks: [{ name: 'm', clientConfig: {}, admissionReviewVersions: ['v1'], sideEffects: 'None' }] }, validating: { webhooks: [{ name: 'v', clientConfig: {}, admissionReviewVersions: ['v1'], sideEffects: 'None' }] } } as Record<'mutating' | 'validating', V1MutatingWebhookConfiguration>;
  writes: string[] = [];
  /** While set, replacing a webhook configuration waits for this. */
  hold?: Promise<void>;
  async readNamespacedSecret() {
    return structuredClone(this.secret);
  }
  async replaceNamespacedSecret({ body }: { body: V1Secret }) {
    this.writes.push('secret');
    this.secret = { ...body, metadata: { ...body.metadata, resourceVersion: String(Number(this.secret.metadata?.resourceVersion) + 1) } };
    return this.secret;
  }
  async readMutatingWebhookConfiguration() {
    return structuredClone(this.configs.mutating);
  }
  async replaceMutatingWebhookConfiguration({ body }: { body: V1MutatingWebhookConfiguration }) {
    await this.hold;
    this.writes.push('mutating');
    this.configs.mutating = body;
    return body;
  }
  async readValidatingWebhookConfiguration() {
    return structuredClone(this.configs.validating);
  }
  async replaceValidatingWebhookConfiguration({ body }: { body: V1MutatingWebhookConfiguration }) {
    this.writes.push('validating');
    this.configs.validating = body;
    return body;
  }
}

function setup(api: FakeApi) {
  const served: string[] = [];
  const certs = new SelfManagedCerts(unusedClient(), {
    namespace: 'ns', secretName: 'tls', webhookConfigName: '00-hahaha', log: memoryLog(),
    policy: { hosts: ['hahaha.ns.svc'], certLifetimeMs: 3_600_000, renewBeforeMs: 600_000 },
    onPair: (p) => served.push(p.cert),
    api: api,
  });
  return { certs, served };
}
const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!ok()) throw new Error(`never: ${what}`);
};

t.test('the leader issues into the Secret, without a CA key, after trusting the new CA in both configurations', async (t) => {
  const api = new FakeApi();
  const { certs, served } = setup(api);
  certs.start();
  certs.startLeading();
  await until('a pair is served', () => served.length === 1);
  await certs.stop();
  t.same(Object.keys(api.secret.data ?? {}).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'no ca.key');
  t.same(api.writes.slice(0, 3), ['mutating', 'validating', 'secret'], 'trust first, then the certificate');
  const bundle = unb64(api.configs.mutating.webhooks?.[0]?.clientConfig.caBundle);
  t.equal(bundle.trim(), unb64(api.secret.data?.['ca.crt']).trim());
  t.equal(unb64(api.configs.validating.webhooks?.[0]?.clientConfig.caBundle), bundle);
  t.equal(certs.readiness(), undefined);
});

t.test('a CA key left at rest by an older hahaha is removed at once', async (t) => {
  const api = new FakeApi();
  api.secret.data = { 'ca.key': b64('-----BEGIN PRIVATE KEY-----\nold\n-----END PRIVATE KEY-----\n') };
  const { certs, served } = setup(api);
  certs.start();
  certs.startLeading();
  await until('a pair is served', () => served.length === 1);
  await certs.stop();
  t.notOk(api.secret.data?.['ca.key'], 'gone');
});

t.test('leadership lost in the middle of a renewal: the Secret is not written', async (t) => {
  const api = new FakeApi();
  let release!: () => void;
  api.hold = new Promise((r) => (release = r));
  const { certs } = setup(api);
  certs.start();
  certs.startLeading();
  await until('the renewal to reach the webhook configurations', () => api.hold !== undefined && api.writes.length === 0);
  await new Promise((r) => setTimeout(r, 100));
  certs.stopLeading();
  release();
  await new Promise((r) => setTimeout(r, 200));
  await certs.stop();
  t.notOk(api.writes.includes('secret'), `no Secret write after leadership was lost (writes: ${api.writes.join(', ')})`);
});

t.test('a follower serves what the Secret holds and writes nothing', async (t) => {
  const api = new FakeApi();
  const leader = setup(api);
  leader.certs.start();
  leader.certs.startLeading();
  await until('the leader issued', () => leader.served.length === 1);
  await leader.certs.stop();
  api.writes = [];
  const follower = setup(api);
  follower.certs.start();
  await until('the follower serves', () => follower.served.length === 1);
  await follower.certs.stop();
  t.equal(follower.served[0], unb64(api.secret.data?.['tls.crt']));
  t.same(api.writes, []);
});
