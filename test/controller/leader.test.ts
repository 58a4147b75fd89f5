// Leader election behind a fake Lease API and a fake clock: acquire, renew, a partition (calls
// that hang are aborted at the renew deadline, and leadership ends then), a 409 on renew, the
// renew time taken from before the request, takeover of an expired lease, release on stop.

import t from 'tap';
import type { V1Lease } from '@kubernetes/client-node';
import { type LeaseApi, LeaderElector } from '../../src/controller/leader.ts';
import { FakeClock } from '../fake-clock.ts';

class FakeLeases implements LeaseApi {
  lease?: V1Lease;
  /** While set, every call waits for this (or for its signal). */
  hang = false;
  /** Time the fake clock moves during each call (a slow apiserver). */
  slowMs = 0;
  conflictNext = false;
  aborted = 0;
  private readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }
  private async call<T>(signal: AbortSignal, fn: () => T): Promise<T> {
    if (this.hang) {
      await new Promise<void>((_, reject) => signal.addEventListener('abort', () => {
        this.aborted++;
        reject(signal.reason as Error);
      }));
    }
    if (this.slowMs) this.clock.advance(this.slowMs);
    return fn();
  }
  read(signal: AbortSignal) {
    return this.call(signal, () => (this.lease ? structuredClone(this.lease) : undefined));
  }
  create(lease: V1Lease, signal: AbortSignal) {
    return this.call(signal, () => void (this.lease = structuredClone(lease)));
  }
  replace(lease: V1Lease, signal: AbortSignal) {
    return this.call(signal, () => {
      if (this.conflictNext) {
        this.conflictNext = false;
        throw Object.assign(new Error('Conflict'), { code: 409 });
      }
      this.lease = structuredClone(lease);
    });
  }
}

function setup() {
  const clock = new FakeClock(0);
  const api = new FakeLeases(clock);
  const log: string[] = [];
  const elector = new LeaderElector({
    namespace: 'ns', name: 'hahaha', identity: 'me', api, clock, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
    onStartedLeading: () => log.push('start'), onStoppedLeading: (why) => log.push(`stop: ${why}`),
  });
  return { clock, api, log, elector };
}

t.test('acquires a missing lease and renews it', async (t) => {
  const { api, log, elector } = setup();
  await elector.tick();
  t.same(log, ['start']);
  t.equal(api.lease?.spec?.holderIdentity, 'me');
  await elector.tick();
  t.same(log, ['start'], 'renewing does not restart leading');
});

t.test('partition: hung calls are aborted at the renew deadline, and leadership ends then', async (t) => {
  const { api, clock, log, elector } = setup();
  elector.start();
  await new Promise((r) => setImmediate(r));
  t.same(log, ['start']);
  api.hang = true;
  clock.advance(2_500); // the next renewal starts, and hangs
  await new Promise((r) => setImmediate(r));
  clock.advance(7_000);
  await new Promise((r) => setImmediate(r));
  t.same(log, ['start'], 'still leading inside the deadline');
  clock.advance(1_000);
  await new Promise((r) => setImmediate(r));
  t.same(log, ['start', 'stop: could not renew the lease in time'], 'stopped at the deadline');
  t.ok(api.aborted >= 1, 'the hung request was aborted, not left to undici');
  await elector.stop();
});

t.test('a 409 on renew ends leadership at once', async (t) => {
  const { api, log, elector } = setup();
  await elector.tick();
  api.conflictNext = true;
  await elector.tick();
  t.same(log, ['start', 'stop: another replica took the lease']);
});

t.test('the renew time is taken before the request: a slow renewal does not stretch leadership', async (t) => {
  const { api, clock, log, elector } = setup();
  await elector.tick(); // renewed at 0
  api.slowMs = 4_000; // each call takes 4 s: read + replace = 8 s
  clock.advance(2_000);
  await elector.tick(); // started at 2 s, done at 10 s
  t.same(log, ['start']);
  api.hang = true;
  elector.start();
  // Counted from 2 s (before the request), the deadline is 12 s, not 20 s.
  clock.advance(2_500);
  await new Promise((r) => setImmediate(r));
  t.same(log, ['start', 'stop: could not renew the lease in time']);
  t.ok(clock.now() < 20_000, `stopped at ${clock.now()} ms`);
  await elector.stop();
});

t.test('another holder: wait while it renews; take over once it expires, counting the transition', async (t) => {
  const { api, clock, log, elector } = setup();
  api.lease = { metadata: { name: 'hahaha' }, spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: new Date(), leaseTransitions: 3 } };
  await elector.tick();
  t.same(log, []);
  clock.advance(16_000);
  await elector.tick();
  t.same(log, ['start']);
  t.equal(api.lease.spec?.holderIdentity, 'me');
  t.equal(api.lease.spec?.leaseTransitions, 4);
});

t.test('stop releases the lease so another replica need not wait for expiry', async (t) => {
  const { api, log, elector } = setup();
  await elector.tick();
  await elector.stop();
  t.equal(api.lease?.spec?.holderIdentity, '');
  t.same(log, ['start', 'stop: shutting down']);
});
