// The shutdown cursor read from Events: which step of which round comes next, how long to wait,
// when to give up, and what became of a container a step was sent to.

import t from 'tap';
import { type Cursor, type Occurrence, outcomeOf, reconcile } from '../../src/core/reconcile.ts';

const S = { graceMs: 30_000, stepTimeoutMs: 10_000, backoffMs: 5_000, maxBackoffMs: 300_000, maxAttempts: 3 };
const T0 = 1_000_000;

function cursor(claims: (Occurrence | undefined)[], failures: (Occurrence | undefined)[] = [], abandoned = false): Cursor {
  return { claim: (i) => claims[i], failure: (i) => failures[i], abandoned };
}

t.test('nothing claimed: send step 1 of round 1', async (t) => {
  t.same(reconcile(2, cursor([]), T0, S), { kind: 'send', step: 0, round: 0 });
});

t.test('a claimed step waits out its answer time and grace, then counts as failed', async (t) => {
  const c = cursor([{ count: 1, at: T0 }]);
  t.same(reconcile(2, c, T0 + 1000, S), { kind: 'wait', afterMs: 39_000, why: 'step 1 was sent; waiting for the container to terminate' });
  t.same(reconcile(2, c, T0 + 40_000, S), { kind: 'fail', step: 0, round: 0, detail: 'still running 40s after the step was claimed' });
});

t.test('an answer seen by this process shortens the wait to the grace period after it', async (t) => {
  const c = cursor([{ count: 1, at: T0 }]);
  const answered = (step: number, round: number) => (step === 0 && round === 0 ? T0 + 200 : undefined);
  t.same(reconcile(2, c, T0 + 1000, S, answered), { kind: 'wait', afterMs: 29_200, why: 'step 1 was sent; waiting for the container to terminate' });
  t.same(reconcile(2, c, T0 + 30_200, S, answered), { kind: 'fail', step: 0, round: 0, detail: 'still running 30s after the step answered' });
});

t.test('a failed step moves on to the next step of the same round', async (t) => {
  const c = cursor([{ count: 1, at: T0 }], [{ count: 1, at: T0 + 500 }]);
  t.same(reconcile(2, c, T0 + 600, S), { kind: 'send', step: 1, round: 0 });
});

t.test('a failed round backs off (doubling) before the next, from the last failure', async (t) => {
  const round1 = cursor([{ count: 1, at: T0 }, { count: 1, at: T0 + 1000 }], [{ count: 1, at: T0 + 500 }, { count: 1, at: T0 + 2000 }]);
  t.same(reconcile(2, round1, T0 + 3000, S), { kind: 'wait', afterMs: 4000, why: 'round 1 failed; backing off 5s' });
  t.same(reconcile(2, round1, T0 + 7000, S), { kind: 'send', step: 0, round: 1 });
  const round2 = cursor([{ count: 2, at: T0 + 8000 }, { count: 2, at: T0 + 9000 }], [{ count: 2, at: T0 + 8500 }, { count: 2, at: T0 + 10_000 }]);
  t.same(reconcile(2, round2, T0 + 10_000, S), { kind: 'wait', afterMs: 10_000, why: 'round 2 failed; backing off 10s' });
});

t.test('in round 2, step 1 claimed again, step 2 still at round 1: step 1 is the open one', async (t) => {
  const c = cursor([{ count: 2, at: T0 + 8000 }, { count: 1, at: T0 + 1000 }], [{ count: 1, at: T0 + 500 }, { count: 1, at: T0 + 2000 }]);
  t.equal(reconcile(2, c, T0 + 9000, S).kind, 'wait');
  t.same(reconcile(2, c, T0 + 8000 + 40_000, S), { kind: 'fail', step: 0, round: 1, detail: 'still running 40s after the step was claimed' });
});

t.test('the retry budget is the rounds in the Events: spent, abandon; abandoned, done', async (t) => {
  const spent = cursor([{ count: 3, at: T0 }], [{ count: 3, at: T0 + 1 }]);
  t.same(reconcile(1, spent, T0 + 10, S), { kind: 'abandon', rounds: 3 });
  t.same(reconcile(1, cursor([{ count: 3, at: T0 }], [{ count: 3, at: T0 + 1 }], true), T0 + 10, S), { kind: 'done', why: 'abandoned' });
});

t.test('the backoff is capped', async (t) => {
  const c = cursor([{ count: 9, at: T0 }], [{ count: 9, at: T0 }]);
  t.same(reconcile(1, c, T0, { ...S, maxAttempts: 20, maxBackoffMs: 60_000 }), { kind: 'wait', afterMs: 60_000, why: 'round 9 failed; backing off 60s' });
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
