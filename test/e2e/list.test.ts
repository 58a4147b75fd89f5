// The reflector's paged list against the real apiserver: limit and continue as the apiserver
// serves them, every page's objects in the cache once the last page is in, and the watch going on
// from the list's resourceVersion.

import t from 'tap';
import { systemClock } from '../../src/controller/clock.ts';
import { type ListPage, Reflector, apiListWatch } from '../../src/controller/reflector.ts';
import type { V1Pod } from '@kubernetes/client-node';
import { apiPath } from '../../src/kube/client.ts';
import { core, kubeClient, namespace, waitFor } from './cluster.ts';

/** A pod list as the apiserver's JSON has it. */
type RawList = { items: V1Pod[]; metadata?: { resourceVersion?: string; continue?: string } };

/** A pod that stays Pending and never reaches a node: only its object matters here. */
const pending = (name: string): V1Pod => ({
  metadata: { name, labels: { 'e2e.hahaha.dev/list': 'yes' } },
  spec: { nodeSelector: { 'e2e.hahaha.dev/nowhere': 'true' }, schedulingGates: [{ name: 'e2e.hahaha.dev/list' }], containers: [{ name: 'main', image: 'ghcr.io/e2e/main:1' }] },
});

t.test('a list in pages of 3 caches all 7 pods, then watches on', async (t) => {
  const ns = await namespace(t, 'list');
  for (let i = 0; i < 7; i++) await core().createNamespacedPod({ namespace: ns, body: pending(`p${i}`) });
  // An unlabelled pod: the selector applies to every page.
  await core().createNamespacedPod({ namespace: ns, body: { ...pending('other'), metadata: { name: 'other' } } });
  const client = kubeClient();
  const path = apiPath`/api/v1/namespaces/${ns}/pods`;
  const labelSelector = 'e2e.hahaha.dev/list=yes';
  const asked: ListPage[] = [];
  const served: { items: number; continued: boolean }[] = [];
  const changes: string[] = [];
  const reflector = new Reflector<V1Pod>({
    client: apiListWatch<V1Pod>(client, path, async (signal, page) => {
      asked.push(page as ListPage);
      const l = await client.get<RawList>(path, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]), query: { labelSelector, ...page } });
      served.push({ items: l.items.length, continued: Boolean(l.metadata?.continue) });
      return l;
    }, labelSelector),
    clock: systemClock,
    pageSize: 3,
    onChange: (key) => changes.push(key),
  });
  reflector.start();
  t.teardown(() => reflector.stop());
  await waitFor('the reflector to sync', () => Promise.resolve(reflector.synced), 20_000, 50);
  t.same(served, [{ items: 3, continued: true }, { items: 3, continued: true }, { items: 1, continued: false }], 'the apiserver served three pages');
  t.equal(asked[0]?.limit, 3);
  t.notOk(asked[0]?.continue, 'the first page has no token');
  t.ok(asked[1]?.continue && asked[2]?.continue && asked[1].continue !== asked[2].continue, 'each later page carries the token of the one before');
  t.same([...reflector.values()].map((p) => p.metadata?.name).sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'], 'every page is in the cache, and only the selected pods');
  t.equal(changes.length, 7);
  await core().createNamespacedPod({ namespace: ns, body: pending('p7') });
  await waitFor('the watch to see p7', () => Promise.resolve(reflector.get(`${ns}/p7`)), 20_000, 50);
  t.pass('the watch went on from the list');
});
