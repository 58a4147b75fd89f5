// Event names and notes as the apiserver takes them, and the recorder's claims behind a fake Events API: deterministic names per outcome, notes cut to
// 1024 bytes of UTF-8 (not characters), MicroTime with microseconds.

import t from 'tap';
import type { EventsV1Event } from '@kubernetes/client-node';
import { EventRecorder, eventName, microTime, noteOf } from '../../src/controller/events.ts';
import { FakeClock } from '../fake-clock.ts';
import { unusedClient } from './fakes.ts';

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

// ---- the recorder behind a fake Events API (its watch is never started here) ----


class FakeEventsApi {
  readonly calls: string[] = [];
  readonly store = new Map<string, EventsV1Event>();
  private rv = 1;
  fail?: number;
  async createNamespacedEvent({ namespace, body }: { namespace: string; body: EventsV1Event }) {
    const key = `${namespace}/${body.metadata?.name}`;
    this.calls.push(`create ${body.reason} #${body.series?.count ?? 1}`);
    if (this.fail) throw Object.assign(new Error('boom'), { code: this.fail });
    if (this.store.has(key)) throw Object.assign(new Error('AlreadyExists'), { code: 409 });
    const e = { ...body, metadata: { ...body.metadata, resourceVersion: String(this.rv++) } };
    this.store.set(key, e);
    return e;
  }
  async patchNamespacedEvent({ name, namespace, body }: { name: string; namespace: string; body: { metadata?: { resourceVersion?: string }; series: { count: number }; note?: string } }) {
    const key = `${namespace}/${name}`;
    const cur = this.store.get(key);
    this.calls.push(`patch #${body.series.count}${body.metadata?.resourceVersion ? ` if rv ${body.metadata.resourceVersion}` : ''}`);
    if (!cur) throw Object.assign(new Error('NotFound'), { code: 404 });
    if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== cur.metadata?.resourceVersion) throw Object.assign(new Error('Conflict'), { code: 409 });
    // As the apiserver's event validation has it: an event's note is immutable (422 "field is immutable").
    if (body.note !== undefined && body.note !== cur.note) throw Object.assign(new Error('Invalid: note: field is immutable'), { code: 422 });
    const e = { ...cur, series: body.series, metadata: { ...cur.metadata, resourceVersion: String(this.rv++) } } as EventsV1Event;
    this.store.set(key, e);
    return e;
  }
  async listNamespacedEvent() {
    return { items: [] };
  }
  async listEventForAllNamespaces() {
    return { items: [] };
  }
}

function recorder(api: FakeEventsApi) {
  const failures: string[] = [];
  const r = new EventRecorder(unusedClient(), { clock: new FakeClock(), namespaces: ['ns'], api: api, onFailure: (_e, spec) => failures.push(spec.reason) });
  return { r, failures };
}
const pod = { name: 'p', namespace: 'ns', uid: 'u' };
const spec = (reason: string, key = 'u/c/0/0') => ({ pod, container: 'c', type: 'Normal' as const, reason, action: 'Shutdown', key, note: 'n' });

t.test('a claim is exclusive: round 1 is a create, later rounds a patch conditional on the resourceVersion seen', async (t) => {
  const api = new FakeEventsApi();
  const { r } = recorder(api);
  t.equal(await r.occur(spec('Killing'), 1, true), 'written');
  t.equal(await r.occur(spec('Killing'), 1, true), 'exists', 'the same round again: already claimed, no call');
  t.same(r.read(spec('Killing'))?.count, 1);
  t.equal(await r.occur(spec('Killing'), 2, true), 'written');
  t.same(api.calls, ['create Killing #1', 'patch #2 if rv 1']);
  // Someone else wrote meanwhile: the conditional patch answers 409, and the claim is not ours.
  const key = [...api.store.keys()][0]!;
  api.store.set(key, { ...api.store.get(key)!, metadata: { ...api.store.get(key)!.metadata, resourceVersion: '99' } });
  t.equal(await r.occur(spec('Killing'), 3, true), 'exists');
});

t.test('a later round whose note differs (a duration measured again) bumps the count and keeps the first note: the apiserver refuses a changed note', async (t) => {
  const api = new FakeEventsApi();
  const { r, failures } = recorder(api);
  t.equal(await r.occur({ ...spec('ShutdownFailed'), note: 'still running 3s after the step answered' }, 1, false), 'written');
  t.equal(await r.occur({ ...spec('ShutdownFailed'), note: 'still running 3.3s after the step answered' }, 2, false), 'written');
  t.same(failures, []);
  const stored = [...api.store.values()][0];
  t.equal(stored?.series?.count, 2);
  t.equal(stored?.note, 'still running 3s after the step answered');
});

t.test('a second replica\'s create of the same claim answers 409: exists, not written', async (t) => {
  const api = new FakeEventsApi();
  const a = recorder(api).r;
  const b = recorder(api).r;
  t.equal(await a.occur(spec('Killing'), 1, true), 'written');
  t.equal(await b.occur(spec('Killing'), 1, true), 'exists');
});

t.test('a count whose event expired is written anew with its series; a failed write is reported once', async (t) => {
  const api = new FakeEventsApi();
  const { r, failures } = recorder(api);
  await r.occur(spec('ShutdownFailed'), 1, false);
  api.store.clear(); // the apiserver's event TTL
  t.equal(await r.occur(spec('ShutdownFailed'), 2, false), 'written');
  t.same(api.calls, ['create ShutdownFailed #1', 'patch #2', 'create ShutdownFailed #2']);
  api.fail = 500;
  t.equal(await r.record(spec('SidecarNotStarted', 'u/c/0')), 'failed');
  t.same(failures, ['SidecarNotStarted']);
});
