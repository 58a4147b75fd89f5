// `--native-sidecars auto` and the Node cache behind a fake API and a fake clock: new pods are
// converted only while the cache is current and every kubelet is new enough. A stale cache (a failed
// list or watch, a silent watch) stops the conversion and says why, since a Node with an older
// kubelet may have joined meanwhile; once a list succeeds, the decision follows the versions again.

import type { V1Node } from '@kubernetes/client-node';
import t from 'tap';
import { type NodeApi, NodeVersions } from '../../src/controller/nodes.ts';
import type { Listed } from '../../src/controller/reflector.ts';
import { type NativeDecision, clusterDecision } from '../../src/core/native.ts';
import { FakeClock } from '../fake-clock.ts';
import { unusedClient } from './fakes.ts';

const node = (name: string, kubelet: string, rv = '1'): V1Node => ({ metadata: { name, resourceVersion: rv }, status: { nodeInfo: { kubeletVersion: kubelet } } }) as V1Node;

class FakeNodeApi implements NodeApi {
  apiserver = 'v1.35.0';
  lists: (() => Promise<Listed<V1Node>>)[] = [];
  listCalls = 0;
  watches: { rv: string; onEvent: (type: string, o: V1Node) => void; onEnd: (err: unknown) => void; onOpen?: (() => void) | undefined }[] = [];
  async version(): Promise<string> {
    return this.apiserver;
  }
  async list(): Promise<Listed<V1Node>> {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) throw new Error('no list scripted');
    return next();
  }
  async watch(rv: string, onEvent: (type: string, o: V1Node) => void, onEnd: (err: unknown) => void, onOpen?: () => void) {
    this.watches.push({ rv, onEvent, onEnd, onOpen });
    return { abort: () => undefined };
  }
  get last() {
    return this.watches.at(-1)!;
  }
}

const settle = () => new Promise((r) => setImmediate(r));
const MIN = { major: 1, minor: 33 };

/** NodeVersions as `hahaha serve` runs it: every change decides again, as serve.ts's decideNative does. */
function setup() {
  const clock = new FakeClock();
  const api = new FakeNodeApi();
  const errors: string[] = [];
  const decisions: NativeDecision[] = [];
  const nodes: NodeVersions = new NodeVersions(unusedClient(), {
    clock,
    api,
    onChange: () => decisions.push(decide()),
    onError: (why) => errors.push(why),
  });
  const decide = (): NativeDecision => clusterDecision('auto', MIN, nodes.apiserver, nodes.versions, nodes.stale);
  return { clock, api, nodes, errors, decisions, decide };
}

/** Time for the reflector's backoff (at most 1.5 × 30 s) and its relist. */
async function relist(clock: FakeClock): Promise<void> {
  clock.advance(46_000);
  await settle();
  await settle();
}

t.test('a watch that fails makes the cache stale: auto stops converting and says why, until a list succeeds', async (t) => {
  const { api, clock, nodes, errors, decisions, decide } = setup();
  api.lists.push(async () => ({ items: [node('a', 'v1.34.2'), node('b', 'v1.35.1')], resourceVersion: '10' }));
  nodes.start();
  await settle();
  await settle();
  t.match(decide(), { convert: true, code: 'all-current', reason: 'auto: the apiserver (v1.35.0) and all 2 node(s) run 1.33 or later' });
  t.equal(nodes.stale, undefined);

  // The watch fails; the relist after the backoff fails too. Meanwhile an old node may join unseen.
  api.lists.push(async () => Promise.reject(new Error('connection refused')));
  api.last.onEnd(new Error('socket hang up'));
  t.equal(nodes.stale, 'watch ended: socket hang up');
  t.match(decisions.at(-1), { convert: false, code: 'nodes-not-synced' }, 'decided again at once');
  t.equal(decide().reason, 'auto: the node cache is stale: watch ended: socket hang up; a node with an older kubelet may have joined since the versions were last seen');
  await relist(clock);
  t.equal(api.listCalls, 2);
  t.match(decide(), { convert: false, code: 'nodes-not-synced', reason: /^auto: the node cache is stale: list failed: connection refused;/ });
  t.same(nodes.versions, new Map([['a', 'v1.34.2'], ['b', 'v1.35.1']]), 'the versions last seen are still there, and not trusted');

  // Current again: the decision follows the versions, here an old node that joined meanwhile.
  api.lists.push(async () => ({ items: [node('a', 'v1.34.2'), node('b', 'v1.35.1'), node('old', 'v1.28.3')], resourceVersion: '20' }));
  await relist(clock);
  t.equal(nodes.stale, undefined);
  t.match(decide(), { convert: false, code: 'kubelet-old', reason: /old \(v1\.28\.3\)/ });
  t.match(decisions.at(-1), { code: 'kubelet-old' });
  t.notOk(decisions.slice(decisions.findIndex((d) => !d.convert)).some((d) => d.convert), 'never converting from the failure on');
  api.last.onEvent('DELETED', node('old', 'v1.28.3', '21'));
  t.match(decide(), { convert: true, code: 'all-current' });
  t.match(decisions.at(-1), { convert: true, code: 'all-current' });
  t.same(errors, ['watch ended: socket hang up', 'list failed: connection refused']);
  nodes.stop();
});

t.test('a silent watch makes the cache stale too', async (t) => {
  const { api, clock, nodes, decisions, decide } = setup();
  api.lists.push(async () => ({ items: [node('a', 'v1.35.0')], resourceVersion: '10' }));
  nodes.start();
  await settle();
  await settle();
  t.match(decide(), { convert: true });
  api.lists.push(async () => Promise.reject(new Error('the request timed out'))); // the relist it brings fails too
  clock.advance(100_000); // no event, no bookmark, no accepted watch
  await settle();
  await settle();
  t.match(decisions.find((d) => !d.convert), { code: 'nodes-not-synced', reason: /^auto: the node cache is stale: nothing from the apiserver for 90s;/ });
  t.match(decide(), { convert: false, code: 'nodes-not-synced', reason: /^auto: the node cache is stale: list failed: the request timed out;/ });
  api.lists.push(async () => ({ items: [node('a', 'v1.35.0')], resourceVersion: '30' }));
  await relist(clock);
  t.match(decide(), { convert: true, code: 'all-current' });
  t.match(decisions.at(-1), { convert: true });
  nodes.stop();
});

t.test('a first list that fails says why in the not-synced reason', async (t) => {
  const { api, nodes, decide } = setup();
  api.lists.push(async () => Promise.reject(new Error('nodes is forbidden')));
  nodes.start();
  await settle();
  await settle();
  t.equal(nodes.versions, undefined);
  t.match(decide(), { convert: false, code: 'apiserver-unknown' }, 'the apiserver version is read with the list');
  t.equal(clusterDecision('auto', MIN, 'v1.35.0', nodes.versions, nodes.stale).reason, 'auto: the node cache has not synced yet (list failed: nodes is forbidden)');
  nodes.stop();
});

t.test('the decision itself: a stale cache never converts, whatever the versions', async (t) => {
  const current = new Map([['a', 'v1.35.0']]);
  t.match(clusterDecision('auto', MIN, 'v1.35.0', current), { convert: true, code: 'all-current' });
  t.match(clusterDecision('auto', MIN, 'v1.35.0', current, 'watch ended: EOF'), { convert: false, code: 'nodes-not-synced', reason: /the node cache is stale: watch ended: EOF/ });
  t.match(clusterDecision('auto', MIN, 'v1.35.0', undefined), { convert: false, code: 'nodes-not-synced', reason: 'auto: the node cache has not synced yet' });
  t.match(clusterDecision('on', MIN, 'v1.35.0', current, 'watch ended: EOF'), { convert: true, code: 'mode-on' }, 'on and off read no nodes');
  t.match(clusterDecision('off', MIN, 'v1.35.0', current, 'watch ended: EOF'), { convert: false, code: 'mode-off' });
});
