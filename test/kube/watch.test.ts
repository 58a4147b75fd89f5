// Watches against a loopback HTTPS apiserver: the query, events split anywhere (mid-line, mid-
// character), a very long line, the end, a refused watch (410 as statusCode), abort, silence, and a
// line that is not JSON; the line splitter byte by byte; and the reflector over the real client:
// list, watch from the list's resourceVersion, events and bookmarks, an ERROR 410 relists.

import type { ServerResponse } from 'node:http';
import t from 'tap';
import { deadline } from '../../src/controller/api.ts';
import { Reflector, apiListWatch } from '../../src/controller/reflector.ts';
import { systemClock } from '../../src/controller/clock.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { LineSplitter, watch } from '../../src/kube/watch.ts';
import { fakeApiserver, json, status } from './apiserver.ts';

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const pod = (name: string, rv: string, extra: object = {}) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, ...extra });

function collect(client: KubeClient, path: string, query = {}, idleMs?: number) {
  const events: [string, unknown][] = [];
  let resolveEnd!: (err: unknown) => void;
  const ended = new Promise<unknown>((r) => (resolveEnd = r));
  let ends = 0;
  const handle = watch(client, path, query, (type, obj) => events.push([type, obj]), (err) => {
    ends++;
    resolveEnd(err);
  }, idleMs ? { idleMs } : {});
  return { events, ended, handle, ends: () => ends };
}

t.test('LineSplitter: lines in any chunks, multibyte characters split, the tail at the end', async (t) => {
  const text = '{"a":"æøå"}\n{"b":"🦀"}\n\n{"c":1}';
  const bytes = Buffer.from(text);
  const s = new LineSplitter();
  const out: string[] = [];
  for (const b of bytes) out.push(...s.push(Buffer.from([b])));
  t.same(out, ['{"a":"æøå"}', '{"b":"🦀"}', '']);
  t.equal(s.end(), '{"c":1}');
  t.equal(s.end(), undefined);
  const small = new LineSplitter(10);
  t.throws(() => small.push(Buffer.from('x'.repeat(11))), /a watch event longer than 10 characters/);
});

t.test('a watch asks for events from the resourceVersion with bookmarks, and reads events split anywhere', async (t) => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  const api = await fakeApiserver(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const body = Buffer.from(line('ADDED', pod('a', '11', { note: 'æøå' })) + line('MODIFIED', pod('big', '12', { big })) + line('BOOKMARK', { metadata: { resourceVersion: '13' } }));
    // Odd chunk sizes cut lines and characters apart.
    let i = 0;
    const next = (): void => {
      if (i >= body.length) return void res.end();
      const n = i < 100 ? 7 : 65_521;
      res.write(body.subarray(i, i + n));
      i += n;
      setImmediate(next);
    };
    next();
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const w = collect(client, '/api/v1/namespaces/ns/pods', { resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 25, labelSelector: 'app=x' });
  t.equal(await w.ended, null, 'the apiserver ended it: a quiet end');
  t.same(w.events.map(([type, o]) => [type, (o as { metadata: { name?: string } }).metadata.name]), [['ADDED', 'a'], ['MODIFIED', 'big'], ['BOOKMARK', undefined]]);
  t.equal((w.events[0]?.[1] as { note: string }).note, 'æøå');
  t.equal((w.events[1]?.[1] as { big: string }).big.length, big.length, 'a 3 MiB line whole');
  const q = api.seen[0]!.url.searchParams;
  t.same(Object.fromEntries(q), { resourceVersion: '10', allowWatchBookmarks: 'true', timeoutSeconds: '25', labelSelector: 'app=x', watch: 'true' });
  t.equal(w.ends(), 1);
});

t.test('a refused watch ends with the status as statusCode and code (410 Gone: relist)', async (t) => {
  const api = await fakeApiserver(t, (_req, res) => json(res, 410, status(410, 'Expired', 'too old resource version: 10 (50)')));
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const err = (await collect(client, '/api/v1/pods', { resourceVersion: '10' }).ended) as { statusCode: number; code: number; message: string };
  t.equal(err.statusCode, 410);
  t.equal(err.code, 410);
  t.equal(err.message, 'HTTP 410 Expired: too old resource version: 10 (50)');
});

t.test('abort ends the watch once, with an AbortError, and closes the connection', async (t) => {
  let response: ServerResponse | undefined;
  const api = await fakeApiserver(t, (_req, res) => {
    response = res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(line('ADDED', pod('a', '1')));
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const w = collect(client, '/api/v1/pods');
  while (!w.events.length) await new Promise((r) => setTimeout(r, 10));
  const closed = new Promise<void>((r) => response!.on('close', () => r()));
  w.handle.abort();
  t.equal(((await w.ended) as Error).name, 'AbortError');
  await closed;
  w.handle.abort();
  t.equal(w.ends(), 1, 'done once');
});

t.test('silence ends the watch with a TimeoutError (a quiet end for the reflector)', async (t) => {
  const api = await fakeApiserver(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(line('ADDED', pod('a', '1')));
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const w = collect(client, '/api/v1/pods', {}, 200);
  t.equal(((await w.ended) as Error).name, 'TimeoutError');
  t.equal(w.events.length, 1);
});

t.test('a line that is not JSON ends the watch with an error, not a lost event', async (t) => {
  const api = await fakeApiserver(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`${line('ADDED', pod('a', '1'))}{"type":"MODIFIED","object":{\n`);
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const w = collect(client, '/api/v1/pods');
  t.match(((await w.ended) as Error).message, /^watch \/api\/v1\/pods: an event that is not JSON/);
  t.equal(w.events.length, 1);
});

t.test('the reflector over the real client: list, watch from its resourceVersion, ERROR 410 relists', async (t) => {
  let lists = 0;
  const watches: URLSearchParams[] = [];
  const api = await fakeApiserver(t, (_req, res, seen) => {
    if (seen.url.searchParams.get('watch') !== 'true') {
      lists++;
      return json(res, 200, { kind: 'PodList', metadata: { resourceVersion: lists === 1 ? '10' : '30' }, items: lists === 1 ? [pod('a', '5')] : [pod('b', '29')] });
    }
    watches.push(seen.url.searchParams);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (watches.length === 1) {
      res.write(line('ADDED', pod('c', '11')));
      res.write(line('BOOKMARK', { metadata: { resourceVersion: '12' } }));
      res.end();
    } else if (watches.length === 2) {
      res.end(line('ERROR', status(410, 'Expired', 'too old resource version')));
    }
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const path = '/api/v1/namespaces/ns/pods';
  const freshness: string[] = [];
  const r = new Reflector({
    client: apiListWatch(client, path, (signal) => client.get<{ items: ReturnType<typeof pod>[] }>(path, { ...deadline(5000, signal), query: { labelSelector: 'app=x' } }), 'app=x'),
    clock: systemClock,
    onChange: () => undefined,
    onFreshness: (synced, why) => freshness.push(`${synced}: ${why}`),
  });
  r.start();
  t.teardown(() => r.stop());
  for (let i = 0; i < 300 && !(lists === 2 && watches.length === 3); i++) await new Promise((res) => setTimeout(res, 20));
  t.equal(lists, 2, 'relisted after the 410');
  t.same(watches.map((q) => q.get('resourceVersion')), ['10', '12', '30'], 'from the list, then from the bookmark, then from the relist');
  t.equal(watches[0]?.get('labelSelector'), 'app=x');
  t.same([...r.values()].map((p) => p.metadata.name), ['b']);
  t.equal(freshness[0], 'true: listed');
});
