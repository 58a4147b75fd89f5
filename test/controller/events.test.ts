// Event names and notes as the apiserver takes them, and the writer behind a fake Events API:
// deterministic names per outcome (a second write of one is a 409, not a second event), notes cut
// to 1024 bytes of UTF-8 (not characters), MicroTime with microseconds, and writes bounded in
// flight and in waiting, with what is dropped counted.

import t from 'tap';
import type { EventsV1Event } from '@kubernetes/client-node';
import { EventWriter, eventName, microTime, noteOf } from '../../src/controller/events.ts';
import { FakeClock } from '../fake-clock.ts';

t.test('one name per pod, reason and key; valid and bounded', async (t) => {
  const pod = { name: 'dataloader-29384756-abcde', namespace: 'ns', uid: 'u-1' };
  const a = eventName({ pod, reason: 'Killing', key: 'u-1/vks-sidecar/0/0' });
  t.equal(a, eventName({ pod, reason: 'Killing', key: 'u-1/vks-sidecar/0/0' }), 'the same outcome, the same name');
  t.not(a, eventName({ pod, reason: 'Killing', key: 'u-1/vks-sidecar/1/0' }), 'another container instance, another name');
  t.not(a, eventName({ pod, reason: 'ShutdownFailed', key: 'u-1/vks-sidecar/0/0' }));
  t.match(a, /^dataloader-29384756-abcde\.hahaha\.[0-9a-f]{16}$/);
  t.ok(eventName({ pod: { ...pod, name: 'x'.repeat(253) }, reason: 'Killing', key: 'k' }).length <= 253);
});

t.test('notes are cut at 1024 bytes of UTF-8 on a character boundary', async (t) => {
  t.equal(noteOf('short'), 'short');
  const wide = 'æ'.repeat(1000); // 2000 bytes
  const cut = noteOf(wide);
  t.ok(Buffer.byteLength(cut) <= 1024, `${Buffer.byteLength(cut)} bytes`);
  t.ok(cut.endsWith('…'));
  t.notMatch(cut, /\uFFFD/, 'no broken character');
});

t.test('MicroTime has six fractional digits', async (t) => {
  t.equal(microTime(new Date('2026-11-26T10:00:00.123Z')), '2026-11-26T10:00:00.123000Z');
});

// ---- the writer behind a fake Events API ----

class FakeEventsApi {
  readonly names = new Set<string>();
  created = 0;
  inFlight = 0;
  most = 0;
  fail?: number;
  private readonly waiting: (() => void)[] = [];
  /** Hold each create until release() (a slow apiserver). */
  hold = false;
  async createNamespacedEvent({ namespace, body }: { namespace: string; body: EventsV1Event }) {
    this.inFlight++;
    this.most = Math.max(this.most, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
      if (this.fail) throw Object.assign(new Error('boom'), { code: this.fail });
      const key = `${namespace}/${body.metadata?.name}`;
      if (this.names.has(key)) throw Object.assign(new Error('AlreadyExists'), { code: 409 });
      this.names.add(key);
      this.created++;
      return body;
    } finally {
      this.inFlight--;
    }
  }
  async readNamespacedEvent(): Promise<EventsV1Event> {
    throw Object.assign(new Error('NotFound'), { code: 404 });
  }
  release() {
    this.hold = false;
    for (const r of this.waiting.splice(0)) r();
  }
}

const pod = { name: 'p', namespace: 'ns', uid: 'u' };
const spec = (reason: string, key = 'c/0/0') => ({ pod, container: 'c', type: 'Normal' as const, reason, action: 'Shutdown', key, note: 'n' });

function writer(api: FakeEventsApi, o: { maxInFlight?: number; maxQueued?: number } = {}) {
  const failures: string[] = [];
  let dropped = 0;
  const w = new EventWriter({ api, clock: new FakeClock(), onFailure: (_e, s) => failures.push(s.reason), onDropped: () => dropped++, ...o });
  return { w, failures, dropped: () => dropped };
}

t.test('the same outcome written twice is one event: the second create answers 409 and is no failure', async (t) => {
  const api = new FakeEventsApi();
  const { w, failures } = writer(api);
  w.emit(spec('Killing'));
  w.emit(spec('Killing'));
  w.emit(spec('Killing', 'c/1/0'));
  await w.drained();
  t.equal(api.created, 2);
  t.same(failures, []);
  api.fail = 500;
  w.emit(spec('SidecarNotStarted', 'SidecarNotStarted/c'));
  await w.drained();
  t.same(failures, ['SidecarNotStarted'], 'a failed write is reported');
});

t.test('writes are bounded: a few in flight, a bounded queue, and what does not fit is dropped and counted', async (t) => {
  const api = new FakeEventsApi();
  api.hold = true;
  const { w, dropped } = writer(api, { maxInFlight: 4, maxQueued: 10 });
  for (let i = 0; i < 100; i++) w.emit(spec('Killing', `c/${i}/0`));
  await new Promise((r) => setImmediate(r));
  t.equal(api.inFlight, 4, 'never more than maxInFlight at once');
  t.equal(dropped(), 86, '4 in flight and 10 waiting; the other 86 dropped');
  api.release();
  // The queued ones go as places free up (each held again until released).
  for (let i = 0; i < 20 && api.created < 14; i++) {
    await new Promise((r) => setImmediate(r));
    api.release();
  }
  await w.drained();
  t.equal(api.created, 14);
  t.equal(api.most, 4);
});
