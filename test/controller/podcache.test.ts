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
