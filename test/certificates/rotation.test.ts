// Self-managed certificates, the decision: create, renew, rotate the CA, reissue for new hosts,
// and the caBundle that keeps the previous CA while it is valid.

import t from 'tap';
import { caBundle, decideCerts, nextCheckMs, type StoredCerts } from '../../src/certificates/rotation.ts';
import { createCA, issueServing } from '../../webhook-certs/certs.ts';

const MIN = 60_000;
const policy = { hosts: ['hahaha.hahaha.svc', '127.0.0.1'], caLifetimeMs: 100 * MIN, certLifetimeMs: 20 * MIN, renewBeforeMs: 5 * MIN };
const now = new Date('2026-11-26T12:00:00Z');
const at = (minutes: number): Date => new Date(now.getTime() + minutes * MIN);

async function stored(o: { hosts?: string[]; caMs?: number; certMs?: number } = {}): Promise<StoredCerts> {
  const ca = await createCA(undefined, { caMs: o.caMs ?? policy.caLifetimeMs, now });
  const leaf = await issueServing(ca, o.hosts ?? policy.hosts, { servingMs: o.certMs ?? policy.certLifetimeMs, now });
  return { caCert: ca.cert, caKey: ca.key, cert: leaf.cert, key: leaf.key };
}

t.test('an empty Secret gets a CA and a serving certificate', async (t) => {
  t.match(decideCerts({}, policy, now), { ca: 'create', leaf: 'issue' });
});

t.test('a fresh pair is kept; a leaf due for renewal is reissued; a CA due for renewal is rotated', async (t) => {
  const s = await stored();
  t.same(decideCerts(s, policy, now), { ca: 'keep', leaf: 'keep', reasons: [] });
  t.same(decideCerts(s, policy, at(14)).leaf, 'keep', '6 minutes before expiry, past the 5 minute mark? not yet');
  const due = decideCerts(s, policy, at(16));
  t.same([due.ca, due.leaf], ['keep', 'issue']);
  t.match(due.reasons[0], /^the serving certificate expires /);
  const caDue = decideCerts(s, policy, at(96));
  t.same([caDue.ca, caDue.leaf], ['rotate', 'issue']);
});

t.test('broken or mismatched material is replaced, a leaf for other hosts is reissued', async (t) => {
  const s = await stored();
  const other = await stored();
  t.match(decideCerts({ ...s, caKey: other.caKey }, policy, now), { ca: 'create' }, 'a CA key that does not match');
  t.match(decideCerts({ ...s, caCert: 'garbage' }, policy, now), { ca: 'create', reasons: ['the stored CA is not usable', 'a new CA needs a new serving certificate'] });
  t.match(decideCerts({ ...s, key: other.key }, policy, now), { ca: 'keep', leaf: 'issue', reasons: ['the stored serving certificate is not usable'] });
  t.match(decideCerts({ ...s, cert: other.cert, key: other.key }, policy, now), { leaf: 'issue', reasons: ['the serving certificate is not signed by the CA'] });
  const moved = decideCerts(s, { ...policy, hosts: ['hahaha.other.svc'] }, now);
  t.match(moved, { leaf: 'issue', reasons: [/^the serving certificate is for hahaha\.hahaha\.svc, 127\.0\.0\.1, not hahaha\.other\.svc$/] });
});

t.test('the caBundle keeps the previous CA until it expires', async (t) => {
  const s = await stored();
  const next = await stored();
  t.equal(caBundle(s, now), `${s.caCert!.trim()}\n`);
  const rotated = { ...next, previousCa: s.caCert! };
  t.equal(caBundle(rotated, now), `${next.caCert!.trim()}\n${s.caCert!.trim()}\n`);
  t.equal(caBundle(rotated, at(101)), `${next.caCert!.trim()}\n`, 'an expired previous CA is dropped');
});

t.test('the next look comes before the earliest renewal point', async (t) => {
  const s = await stored();
  const ms = nextCheckMs(s, policy, now);
  t.ok(ms >= 1000 && ms <= 60_000, `${ms} ms`);
  t.equal(nextCheckMs(s, policy, at(16)), 1000, 'overdue: look again soon');
});
