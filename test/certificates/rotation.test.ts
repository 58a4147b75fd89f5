// Self-managed certificates, the decision: issue when missing, unusable, due, for other hosts, or
// when an older hahaha left a CA key at rest; a fresh CA per issue whose key is never kept; the
// caBundle that keeps every previous CA until it expires.

import t from 'tap';
import { caBundle, decideCerts, nextCheckMs, previousAfterRotation, type StoredCerts } from '../../src/certificates/rotation.ts';
import { createCA, issueServing } from '../../webhook-certs/certs.ts';

const MIN = 60_000;
const policy = { hosts: ['hahaha.hahaha.svc', '127.0.0.1'], certLifetimeMs: 20 * MIN, renewBeforeMs: 5 * MIN };
const now = new Date('2026-11-26T12:00:00Z');
const at = (minutes: number): Date => new Date(now.getTime() + minutes * MIN);

async function stored(o: { hosts?: string[]; certMs?: number; from?: Date } = {}): Promise<StoredCerts> {
  const when = o.from ?? now;
  const ca = await createCA(undefined, { caMs: o.certMs ?? policy.certLifetimeMs, now: when });
  const leaf = await issueServing(ca, o.hosts ?? policy.hosts, { servingMs: o.certMs ?? policy.certLifetimeMs, now: when });
  return { caCert: ca.cert, cert: leaf.cert, key: leaf.key };
}

t.test('an empty Secret gets a certificate', async (t) => {
  t.same(decideCerts({}, policy, now), { issue: true, reasons: ['no serving certificate yet'] });
});

t.test('a fresh pair is kept; one due for renewal is reissued', async (t) => {
  const s = await stored();
  t.same(decideCerts(s, policy, now), { issue: false, reasons: [] });
  t.equal(decideCerts(s, policy, at(14)).issue, false, '6 minutes before expiry: not yet');
  const due = decideCerts(s, policy, at(16));
  t.equal(due.issue, true);
  t.match(due.reasons[0], /^the serving certificate expires /);
});

t.test('broken or mismatched material is replaced, a leaf for other hosts is reissued, a CA key at rest goes', async (t) => {
  const s = await stored();
  const other = await stored();
  t.same(decideCerts({ ...s, caCert: 'garbage' }, policy, now).reasons, ['the serving certificate is not signed by the stored CA']);
  t.same(decideCerts({ ...s, key: other.key }, policy, now).reasons, ['the stored serving certificate is not usable']);
  t.same(decideCerts({ ...s, cert: other.cert, key: other.key }, policy, now).reasons, ['the serving certificate is not signed by the stored CA']);
  t.match(decideCerts(s, { ...policy, hosts: ['hahaha.other.svc'] }, now).reasons, [/^the serving certificate is for hahaha\.hahaha\.svc, 127\.0\.0\.1, not hahaha\.other\.svc$/]);
  t.same(decideCerts({ ...s, caKeyAtRest: true }, policy, now).reasons, ['a CA key is at rest in the Secret: issuing from a CA whose key is not kept']);
});

t.test('the caBundle keeps every previous CA until it expires', async (t) => {
  const first = await stored();
  const second = await stored({ from: at(16) });
  const third = await stored({ from: at(19) });
  t.equal(caBundle(first, now), `${first.caCert!.trim()}\n`);
  const afterSecond = { ...second, previousCas: previousAfterRotation(first, second.caCert!, at(16)) };
  t.equal(caBundle(afterSecond, at(16)), `${second.caCert!.trim()}\n${first.caCert!.trim()}\n`, 'the previous CA is still trusted');
  const afterThird = { ...third, previousCas: previousAfterRotation(afterSecond, third.caCert!, at(19)) };
  t.equal(caBundle(afterThird, at(19)), `${third.caCert!.trim()}\n${second.caCert!.trim()}\n${first.caCert!.trim()}\n`, 'two rotations within a lifetime: both previous CAs');
  t.equal(caBundle(afterThird, at(21)), `${third.caCert!.trim()}\n${second.caCert!.trim()}\n`, 'an expired CA is dropped');
  t.equal(previousAfterRotation(afterThird, third.caCert!, at(21)), `${second.caCert!.trim()}\n`, 'and not carried into the next rotation');
});

t.test('the next look comes before the earliest renewal point', async (t) => {
  const s = await stored();
  const ms = nextCheckMs(s, policy, now);
  t.ok(ms >= 1000 && ms <= 60_000, `${ms} ms`);
  t.equal(nextCheckMs(s, policy, at(16)), 1000, 'overdue: look again soon');
});
