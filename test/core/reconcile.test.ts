// The shutdown cursor read from the pod's record: which step of which round comes next, how long
// to wait, when to give up and why, and what became of a container a step was sent to.

import t from 'tap';
import { backoffSettings, claimed, failed, outcomeOf, reconcile } from '../../src/core/reconcile.ts';
import type { Progress } from '../../src/core/state.ts';

const S = { graceMs: 30_000, stepTimeoutMs: 10_000, backoffMs: 5_000, maxBackoffMs: 300_000, maxAttempts: 3 };
const T0 = 1_000_000;
const live = { restartCount: 0 };
const at = (round: number, step: number, claimedAt: number, failedAt?: number, restarts = 0): Progress => ({
  round, step, claimedAt, restarts, firstRestarts: 0, ...(failedAt !== undefined ? { failedAt } : {}),
});

t.test('nothing claimed: send step 1 of round 1', async (t) => {
  t.same(reconcile(2, undefined, T0, S, live), { kind: 'send', step: 0, round: 0 });
});

t.test('a claimed step waits out its answer time and grace, then counts as failed', async (t) => {
  const p = at(0, 0, T0);
  t.same(reconcile(2, p, T0 + 1000, S, live), { kind: 'wait', afterMs: 39_000, why: 'step 1 was sent; waiting for the container to terminate' });
  t.same(reconcile(2, p, T0 + 40_000, S, live), { kind: 'fail', step: 0, round: 0, detail: 'still running 40s after the step was claimed', outcome: 'still-running' });
});

t.test('an answer seen by this process shortens the wait to the grace period after it', async (t) => {
  const p = at(0, 0, T0);
  const answered = (step: number, round: number) => (step === 0 && round === 0 ? T0 + 200 : undefined);
  t.same(reconcile(2, p, T0 + 1000, S, live, answered), { kind: 'wait', afterMs: 29_200, why: 'step 1 was sent; waiting for the container to terminate' });
  t.same(reconcile(2, p, T0 + 30_200, S, live, answered), { kind: 'fail', step: 0, round: 0, detail: 'still running 30s after the step answered', outcome: 'still-running' });
});

t.test('a failed step moves on to the next step of the same round', async (t) => {
  t.same(reconcile(2, at(0, 0, T0, T0 + 500), T0 + 600, S, live), { kind: 'send', step: 1, round: 0 });
});

t.test('a failed round backs off (doubling) before the next, from the last failure', async (t) => {
  t.same(reconcile(2, at(0, 1, T0 + 1000, T0 + 2000), T0 + 3000, S, live), { kind: 'wait', afterMs: 4000, why: 'round 1 failed; backing off 5s' });
  t.same(reconcile(2, at(0, 1, T0 + 1000, T0 + 2000), T0 + 7000, S, live), { kind: 'send', step: 0, round: 1 });
  t.same(reconcile(2, at(1, 1, T0 + 9000, T0 + 10_000), T0 + 10_000, S, live), { kind: 'wait', afterMs: 10_000, why: 'round 2 failed; backing off 10s' });
});

t.test('the retry budget is the rounds in the record: spent, abandon; given up, done', async (t) => {
  t.same(reconcile(1, at(2, 0, T0, T0 + 1), T0 + 10, S, live), { kind: 'abandon', rounds: 3, why: 'rounds' });
  t.same(reconcile(1, { ...at(2, 0, T0, T0 + 1), gaveUp: true }, T0 + 10, S, live), { kind: 'done', why: 'gave up' });
});

t.test('the backoff is capped', async (t) => {
  t.same(reconcile(1, at(8, 0, T0, T0), T0, { ...S, maxAttempts: 20, maxBackoffMs: 60_000 }, live), { kind: 'wait', afterMs: 60_000, why: 'round 9 failed; backing off 60s' });
});

t.test('--retry-backoff means what it says over its whole range: doubling to 5 min, and a longer base kept, never cut to 5 min', async (t) => {
  const round1 = at(0, 0, T0, T0);
  t.same(reconcile(1, at(3, 0, T0, T0), T0, { ...S, maxAttempts: 10, ...backoffSettings(100_000) }, live), { kind: 'wait', afterMs: 300_000, why: 'round 4 failed; backing off 300s' });
  t.same(reconcile(1, round1, T0, { ...S, ...backoffSettings(3_600_000) }, live), { kind: 'wait', afterMs: 3_600_000, why: 'round 1 failed; backing off 3600s' });
});

t.test('a container the kubelet restarted after the step: that step failed at once; the budget is per container', async (t) => {
  const p = claimed(undefined, 0, 0, T0, { restartCount: 2 });
  t.same(p, { round: 0, step: 0, claimedAt: T0, restarts: 2, firstRestarts: 2 });
  t.same(reconcile(1, p, T0 + 1000, S, { restartCount: 3 }), { kind: 'fail', step: 0, round: 0, detail: 'exited after the step and was restarted by the kubelet', outcome: 'restarted' });
  // Round 3 of 3 ends with the container restarted since the first claim: given up, saying so.
  const last = failed(claimed(failed(p, T0 + 1000), 0, 2, T0 + 50_000, { restartCount: 4 }), T0 + 51_000);
  t.equal(last.firstRestarts, 2, 'the first claim\'s restart count is kept');
  t.same(reconcile(1, last, T0 + 52_000, S, { restartCount: 5 }), { kind: 'abandon', rounds: 3, why: 'restarts' });
});

t.test('a native sidecar the kubelet started again after the fallback stopped it: given up at once', async (t) => {
  const p = claimed(undefined, 0, 0, T0, { restartCount: 0, native: true });
  t.same(reconcile(1, p, T0 + 1000, S, { restartCount: 1, native: true }), { kind: 'abandon', rounds: 1, why: 'native-restarted' });
});

t.test('what became of a container a step was sent to', async (t) => {
  const sent = { uid: 'u1', container: 'proxy', restartCount: 0 };
  const pod = (state: string, restartCount = 0, uid = 'u1') => ({ uid, containerStatuses: [{ name: 'proxy', state, restartCount }], initContainerStatuses: [] });
  t.equal(outcomeOf(undefined, sent), 'pod-deleted');
  t.equal(outcomeOf(pod('running', 0, 'u2'), sent), 'pod-replaced');
  t.equal(outcomeOf(pod('running', 1), sent), 'restarted');
  t.equal(outcomeOf(pod('terminated'), sent), 'success');
  t.equal(outcomeOf(pod('running'), sent), 'running');
  t.equal(outcomeOf({ uid: 'u1', containerStatuses: [], initContainerStatuses: [{ name: 'proxy', state: 'terminated', restartCount: 0 }] }, { ...sent, native: true }), 'success', 'native sidecars are init containers');
});
