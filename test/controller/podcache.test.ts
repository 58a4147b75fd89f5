// The pod cache over the real client and a loopback apiserver: the pods of the first list are not
// told one by one (onFreshness says the whole cache is current, and the controller looks at every
// pod); changes from the watch and from every later list are, deletions included.

import type { ServerResponse } from 'node:http';
import t from 'tap';
import { systemClock } from '../../src/controller/clock.ts';
import { PodCache } from '../../src/controller/watch.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { fakeApiserver, json, status } from '../kube/apiserver.ts';

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const pod = (name: string, rv: string) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv, uid: `uid-${name}` }, spec: { containers: [{ name: 'main', image: 'x' }] } });

t.test('the first list tells nothing key by key; the watch and a relist tell what changed', async (t) => {
  let lists = 0;
  let watches = 0;
  const api = await fakeApiserver(t, (_req, res: ServerResponse, seen) => {
    if (seen.url.searchParams.get('watch') !== 'true') {
      lists++;
      return json(res, 200, { kind: 'PodList', metadata: { resourceVersion: lists === 1 ? '10' : '30' }, items: lists === 1 ? [pod('a', '5'), pod('b', '6')] : [pod('b', '6'), pod('d', '29')] });
    }
    watches++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (watches === 1) res.end(line('ADDED', pod('c', '11')) + line('MODIFIED', pod('a', '12')));
    else if (watches === 2) res.end(line('ERROR', status(410, 'Expired', 'too old resource version')));
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const changes: string[] = [];
  const freshness: string[] = [];
  const cache = new PodCache(client, {
    selector: 'app=x', namespaces: ['ns'], clock: systemClock,
    onChange: (key) => changes.push(key),
    onFreshness: (_ns, synced) => freshness.push(`${synced} (changes so far: ${changes.length})`),
  });
  cache.start();
  t.teardown(() => cache.stop());
  for (let i = 0; i < 300 && !(lists === 2 && watches >= 3); i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(lists, 2, 'relisted after the 410');
  t.same(changes, ['ns/c', 'ns/a', 'ns/d', 'ns/a', 'ns/c'], 'nothing of the first list; the watch\'s two changes; the relist\'s new pod d and the two it found gone, not the unchanged b');
  t.same(freshness, ['true (changes so far: 0)', 'false (changes so far: 2)', 'true (changes so far: 5)'], 'current after each list, once its changes were told');
  t.same([...cache.list()].map((p) => p.metadata?.name).sort(), ['b', 'd']);
  t.ok(cache.synced);
});

t.test('with several namespaces, each one\'s first list is one look; after it, each namespace tells its changes', async (t) => {
  const watches = new Map<string, number>();
  const api = await fakeApiserver(t, (_req, res: ServerResponse, seen) => {
    const ns = seen.url.pathname.split('/')[4] ?? '';
    const p = (name: string, rv: string) => ({ ...pod(name, rv), metadata: { ...pod(name, rv).metadata, namespace: ns } });
    if (seen.url.searchParams.get('watch') !== 'true') return json(res, 200, { kind: 'PodList', metadata: { resourceVersion: '10' }, items: [p(`${ns}-1`, '5'), p(`${ns}-2`, '6')] });
    const n = (watches.get(ns) ?? 0) + 1;
    watches.set(ns, n);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Namespace b's watch brings a change; a's stays open and quiet.
    if (ns === 'b' && n === 1) res.write(line('MODIFIED', p('b-1', '11')));
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const changes: string[] = [];
  const freshness: string[] = [];
  const cache = new PodCache(client, {
    selector: 'app=x', namespaces: ['a', 'b'], clock: systemClock,
    onChange: (key) => changes.push(key),
    onFreshness: (ns, synced) => freshness.push(`${ns} ${synced}`),
  });
  cache.start();
  t.teardown(() => cache.stop());
  for (let i = 0; i < 200 && !(cache.synced && changes.length >= 1); i++) await new Promise((r) => setTimeout(r, 20));
  t.same(freshness.sort(), ['a true', 'b true'], 'each namespace became current');
  t.same(changes, ['b/b-1'], 'no key of either first list; the watch\'s change in b');
  t.same([...cache.list()].map((x) => x.metadata?.name).sort(), ['a-1', 'a-2', 'b-1', 'b-2']);
  t.equal(cache.get('b/b-1')?.metadata?.resourceVersion, '11');
});

t.test('--exclude-namespaces: the apiserver leaves those namespaces out of the list and the watch (a field selector)', async (t) => {
  const asked: { watch: boolean; fieldSelector: string | null; labelSelector: string | null }[] = [];
  const api = await fakeApiserver(t, (_req, res: ServerResponse, seen) => {
    const watch = seen.url.searchParams.get('watch') === 'true';
    asked.push({ watch, fieldSelector: seen.url.searchParams.get('fieldSelector'), labelSelector: seen.url.searchParams.get('labelSelector') });
    if (!watch) return json(res, 200, { kind: 'PodList', metadata: { resourceVersion: '10' }, items: [] });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end();
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const cache = new PodCache(client, { selector: 'app=x', namespaces: [], excludeNamespaces: ['kube-system', 'hahaha'], clock: systemClock, onChange: () => undefined, onFreshness: () => undefined });
  cache.start();
  t.teardown(() => cache.stop());
  for (let i = 0; i < 100 && !asked.some((a) => a.watch); i++) await new Promise((r) => setTimeout(r, 20));
  t.same(asked.slice(0, 2), [
    { watch: false, fieldSelector: 'metadata.namespace!=kube-system,metadata.namespace!=hahaha', labelSelector: 'app=x' },
    { watch: true, fieldSelector: 'metadata.namespace!=kube-system,metadata.namespace!=hahaha', labelSelector: 'app=x' },
  ]);
  t.throws(() => new PodCache(client, { selector: 'app=x', namespaces: ['hahaha'], excludeNamespaces: ['hahaha'], clock: systemClock, onChange: () => undefined, onFreshness: () => undefined }), /every one of them is excluded/);
});
