// The list-watch cache behind a fake API client and a fake clock: synced only while current (M2:
// a failed relist makes it stale, and only a list makes it fresh again); silence is measured by
// what the apiserver sends (events, bookmarks, its acceptance of a watch), not by reconnects that
// nothing answers; a watch without bookmarks (Events) stays current; 410 relists; a quiet end
// resumes from the last resourceVersion.

import t from 'tap';
import { LIST_PAGE, type ListPage, type ListWatchClient, type Listed, Reflector } from '../../src/controller/reflector.ts';
import { FakeClock } from '../fake-clock.ts';

interface Obj {
  metadata: { name: string; namespace: string; resourceVersion: string };
}
const obj = (name: string, rv: string): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });

class FakeApi implements ListWatchClient<Obj> {
  lists: (() => Promise<Listed<Obj>>)[] = [];
  listCalls = 0;
  pages: (ListPage | undefined)[] = [];
  watches: { rv: string; onEvent: (type: string, o: Obj) => void; onEnd: (err: unknown) => void; onOpen?: (() => void) | undefined; aborted: boolean }[] = [];
  async list(_signal: AbortSignal, page?: ListPage): Promise<Listed<Obj>> {
    this.listCalls++;
    this.pages.push(page);
    const next = this.lists.shift();
    if (!next) throw new Error('no list scripted');
    return next();
  }
  async watch(rv: string, onEvent: (type: string, o: Obj) => void, onEnd: (err: unknown) => void, onOpen?: () => void) {
    const w = { rv, onEvent, onEnd, onOpen, aborted: false };
    this.watches.push(w);
    return { abort: () => (w.aborted = true) };
  }
  get last() {
    return this.watches.at(-1)!;
  }
}

const settle = () => new Promise((r) => setImmediate(r));

function setup(silenceMs = 90_000) {
  const clock = new FakeClock();
  const api = new FakeApi();
  const changes: string[] = [];
  const freshness: string[] = [];
  const r = new Reflector<Obj>({ client: api, clock, silenceMs, onChange: (k, o) => changes.push(`${k}${o ? '' : ' (gone)'}`), onFreshness: (s, why) => freshness.push(`${s}: ${why}`) });
  return { clock, api, changes, freshness, r };
}

t.test('lists, then watches from the list resourceVersion; events update the cache', async (t) => {
  const { api, changes, r } = setup();
  api.lists.push(async () => ({ items: [obj('a', '1')], resourceVersion: '10' }));
  r.start();
  await settle();
  t.ok(r.synced);
  t.equal(api.last.rv, '10');
  api.last.onEvent('ADDED', obj('b', '11'));
  api.last.onEvent('DELETED', obj('a', '12'));
  t.same(changes, ['ns/a', 'ns/b', 'ns/a (gone)']);
  t.same([...r.values()].map((o) => o.metadata.name), ['b']);
  r.stop();
});

t.test('M2: a failed relist leaves the cache stale (not synced) until a list succeeds', async (t) => {
  const { api, clock, r, freshness } = setup();
  api.lists.push(async () => ({ items: [obj('a', '1')], resourceVersion: '10' }));
  r.start();
  await settle();
  t.ok(r.synced);
  api.lists.push(async () => Promise.reject(new Error('connection refused')));
  api.last.onEnd(new Error('socket hang up'));
  t.notOk(r.synced, 'a failed watch makes the cache stale at once');
  clock.advance(60_000);
  await settle();
  t.equal(api.listCalls, 2, 'relisted after the backoff');
  t.notOk(r.synced, 'the failed relist keeps it stale');
  t.ok(r.get('ns/a'), 'the old cache is still readable');
  api.lists.push(async () => ({ items: [obj('a', '2')], resourceVersion: '20' }));
  clock.advance(60_000);
  await settle();
  t.ok(r.synced, 'fresh again once a list succeeded');
  t.same(freshness, ['true: listed', 'false: watch ended: socket hang up', 'false: list failed: connection refused', 'true: listed']);
  r.stop();
});

t.test('a quiet end resumes from the last resourceVersion, without a list and without going stale', async (t) => {
  const { api, clock, r } = setup();
  api.lists.push(async () => ({ items: [], resourceVersion: '10' }));
  r.start();
  await settle();
  api.last.onEvent('BOOKMARK', obj('', '15'));
  api.last.onEnd(null);
  clock.advance(0);
  await settle();
  t.equal(api.listCalls, 1);
  t.equal(api.last.rv, '15', 'resumed from the bookmark');
  t.ok(r.synced);
  r.stop();
});

t.test('410 Gone relists', async (t) => {
  const { api, clock, r } = setup();
  api.lists.push(async () => ({ items: [obj('a', '1')], resourceVersion: '10' }), async () => ({ items: [], resourceVersion: '30' }));
  r.start();
  await settle();
  api.last.onEvent('ERROR', { code: 410 } as unknown as Obj);
  api.last.onEnd(null);
  clock.advance(60_000);
  await settle();
  t.equal(api.listCalls, 2);
  t.equal(r.size, 0, 'the relist removed what is gone');
  t.equal(api.last.rv, '30');
  r.stop();
});

t.test('a watch that gets no bookmarks (Events have no watch cache) stays current: each watch the apiserver accepts proves it', async (t) => {
  const { api, clock, r, freshness } = setup(90_000);
  api.lists.push(async () => ({ items: [], resourceVersion: '10' }));
  r.start();
  await settle();
  api.last.onOpen?.();
  // 30 quiet minutes less a little: the apiserver ends each watch after 25 s and accepts the next, with no event and no bookmark.
  for (let i = 0; i < 70; i++) {
    clock.advance(25_000);
    api.last.onEnd(null);
    clock.advance(0);
    await settle();
    api.last.onOpen?.();
  }
  t.ok(r.synced, 'never stale');
  t.same(freshness, ['true: listed']);
  t.equal(api.listCalls, 1, 'no relist: a quiet cluster costs one watch every 25 s');
  t.equal(api.last.rv, '10', 'each watch goes on from where the last one was');
  // A partition: the next watches are never answered.
  for (let i = 0; i < 4; i++) {
    clock.advance(25_000);
    api.last.onEnd(Object.assign(new Error('nothing'), { name: 'TimeoutError' }));
    clock.advance(0);
    await settle();
  }
  t.notOk(r.synced, 'stale once nothing from the apiserver for 90 s');
  r.stop();
});

t.test('silence is what the apiserver did not send: reconnects nothing answered do not count, bookmarks do', async (t) => {
  const { api, clock, r, freshness } = setup(90_000);
  api.lists.push(async () => ({ items: [], resourceVersion: '10' }), async () => ({ items: [], resourceVersion: '40' }));
  r.start();
  await settle();
  // Bookmarks every 25 s: never silent.
  for (let i = 0; i < 8; i++) {
    clock.advance(25_000);
    api.last.onEvent('BOOKMARK', obj('', `${11 + i}`));
  }
  t.ok(r.synced, 'bookmarks keep it fresh');
  t.equal(api.listCalls, 1);
  // Now the watch reconnects quietly again and again, and nothing arrives: a frozen stream.
  for (let i = 0; i < 4; i++) {
    clock.advance(25_000);
    api.last.onEnd(null);
    clock.advance(0);
    await settle();
  }
  t.same(freshness, ['true: listed', 'false: nothing from the apiserver for 90s', 'true: listed'], 'stale after 90 s with no event or bookmark, reconnects notwithstanding; then relisted');
  t.equal(api.listCalls, 2, 'relisted');
  t.ok(r.synced);
  r.stop();
});

t.test('a watch that ends quietly just after the silence check made the cache stale still relists', async (t) => {
  const { api, clock, r, freshness } = setup(90_000);
  // Timers of 0 ms wait until the test runs them, as a setTimeout(0) waits behind I/O already in.
  const due: { fn: () => void; cancelled: boolean }[] = [];
  const after = clock.after.bind(clock);
  clock.after = (ms, fn) => {
    if (ms > 0) return after(ms, fn);
    const entry = { fn, cancelled: false };
    due.push(entry);
    return () => void (entry.cancelled = true);
  };
  const runDue = async () => {
    for (const e of due.splice(0)) if (!e.cancelled) e.fn();
    await settle();
  };
  api.lists.push(async () => ({ items: [], resourceVersion: '10' }), async () => ({ items: [], resourceVersion: '40' }));
  r.start();
  await settle();
  clock.advance(100_000); // nothing heard for 100 s: stale, and a relist is due at once
  t.notOk(r.synced);
  api.last.onEnd(null); // the silent watch ends quietly before the relist ran
  await runDue();
  await runDue();
  t.equal(api.listCalls, 2, 'relisted: resuming a watch cannot make a stale cache current');
  t.ok(r.synced);
  t.same(freshness, ['true: listed', 'false: nothing from the apiserver for 90s', 'true: listed']);
  r.stop();
});

t.test('a watch that ends with an error relists with backoff; stop ends everything', async (t) => {
  const { api, clock, r } = setup();
  api.lists.push(async () => ({ items: [], resourceVersion: '10' }));
  r.start();
  await settle();
  r.stop();
  t.ok(api.last.aborted, 'the watch is aborted on stop');
  clock.advance(600_000);
  await settle();
  t.equal(api.listCalls, 1, 'nothing after stop');
});

const gone = (): Error => Object.assign(new Error('the provided continue parameter is too old'), { statusCode: 410 });

t.test('a list is read in pages, each slimmed at once; the cache changes only when the last page is in', async (t) => {
  const clock = new FakeClock();
  const api = new FakeApi();
  const changes: string[] = [];
  const slimmed: string[] = [];
  const r = new Reflector<Obj>({ client: api, clock, onChange: (k) => changes.push(k), slim: (o) => (slimmed.push(o.metadata.name), o) });
  let release!: () => void;
  const last = new Promise<void>((resolve) => (release = resolve));
  api.lists.push(
    async () => ({ items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10', continue: 'c1' }),
    async () => ({ items: [obj('c', '3')], resourceVersion: '10', continue: 'c2' }),
    async () => (await last, { items: [obj('d', '4')], resourceVersion: '10' }),
  );
  r.start();
  await settle();
  t.same(api.pages, [{ limit: LIST_PAGE }, { limit: LIST_PAGE, continue: 'c1' }, { limit: LIST_PAGE, continue: 'c2' }], 'each page from where the last left off');
  t.same(slimmed, ['a', 'b', 'c'], 'pages are slimmed as they arrive, before the next');
  t.same(changes, [], 'nothing is published before the last page');
  t.notOk(r.synced);
  release();
  await settle();
  t.ok(r.synced);
  t.same(changes, ['ns/a', 'ns/b', 'ns/c', 'ns/d']);
  t.equal(api.last.rv, '10', 'the watch starts from the list');
  r.stop();
});

t.test('a continue token that expires mid-list falls back to one whole list; what the pages held is not kept', async (t) => {
  const { api, r, changes } = setup();
  api.lists.push(
    async () => ({ items: [obj('a', '1')], resourceVersion: '10', continue: 'c1' }),
    async () => Promise.reject(gone()),
    async () => ({ items: [obj('b', '5')], resourceVersion: '20' }),
  );
  r.start();
  await settle();
  t.same(api.pages, [{ limit: LIST_PAGE }, { limit: LIST_PAGE, continue: 'c1' }, undefined], 'the third call asks for everything at once');
  t.ok(r.synced);
  t.same([...r.values()].map((o) => o.metadata.name), ['b'], 'a, from the expired snapshot, is not in the cache');
  t.same(changes, ['ns/b']);
  t.equal(api.last.rv, '20');
  r.stop();
});

t.test('a page that fails otherwise fails the list: the old cache stays, stale, and the list starts over from page one', async (t) => {
  const { api, clock, r, freshness } = setup();
  api.lists.push(async () => ({ items: [obj('a', '1')], resourceVersion: '10' }));
  r.start();
  await settle();
  api.lists.push(async () => ({ items: [obj('b', '2')], resourceVersion: '30', continue: 'c1' }), async () => Promise.reject(new Error('connection reset')));
  api.last.onEnd(new Error('socket hang up'));
  clock.advance(60_000);
  await settle();
  t.equal(api.listCalls, 3, 'the relist read one page, and the second failed');
  t.notOk(r.synced);
  t.same(freshness.at(-1), 'false: list failed: connection reset');
  t.same([...r.values()].map((o) => o.metadata.name), ['a'], 'the half-read list changed nothing');
  api.lists.push(async () => ({ items: [obj('b', '2')], resourceVersion: '40' }));
  clock.advance(60_000);
  await settle();
  t.same(api.pages.at(-1), { limit: LIST_PAGE }, 'the next list starts from the first page');
  t.same([...r.values()].map((o) => o.metadata.name), ['b']);
  t.ok(r.synced);
  r.stop();
});
