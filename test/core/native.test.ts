// Native conversion in the core: the cluster's decision from versions, the pod's own annotation,
// which sidecars move and why, and the patch itself: applied with an RFC 6902 applier to random
// pods, every moved sidecar appears once after the original init containers with restartPolicy
// Always, nothing else changes, and a second call gives no patch.

import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import t from 'tap';
import { type Answer, mutate, parseReview, validate } from '../../src/core/admission.ts';
import { analyze } from '../../src/core/analysis.ts';
import { loadCatalog } from '../../src/core/catalog.ts';
import { formatAction } from '../../src/core/action.ts';
import { type NativeDecision, clusterDecision, parseMinVersion, parseVersion } from '../../src/core/native.ts';
import { podView } from '../../src/core/pod.ts';
import { explainReport } from '../../src/cli/explain.ts';
import { review } from '../admission.ts';
import { config, pod } from '../helpers.ts';

const ON: NativeDecision = { convert: true, code: 'mode-on', reason: 'test: on' };
const OFF: NativeDecision = { convert: false, code: 'mode-off', reason: 'test: off' };
const request = (obj: unknown) => {
  const p = parseReview(review(obj));
  if (!p.ok) throw new Error(p.error);
  return p.request;
};
const patchOf = (a: Answer): fastJsonPatch.Operation[] =>
  a.review.response.patch ? (JSON.parse(Buffer.from(a.review.response.patch, 'base64').toString()) as fastJsonPatch.Operation[]) : [];
const apply = <T>(obj: T, a: Answer): T => fastJsonPatch.applyPatch(structuredClone(obj), patchOf(a), true, false).newDocument;
type Spec = { containers: { name: string; restartPolicy?: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
const names = (cs?: { name: string; restartPolicy?: string }[]) => (cs ?? []).map((c) => (c.restartPolicy ? `${c.name}:${c.restartPolicy}` : c.name));
const specOf = (p: unknown): Spec => (p as { spec: Spec }).spec;

t.test('versions: parsed from what kubelets and apiservers report; the minimum is 1.29 or later', async (t) => {
  t.same(parseVersion('v1.35.4'), { major: 1, minor: 35 });
  t.same(parseVersion('v1.33.2-eks-4f4795d'), { major: 1, minor: 33 });
  t.same(parseVersion('1.29'), { major: 1, minor: 29 });
  t.equal(parseVersion('kwok-v0.8.0'), undefined);
  t.equal(parseVersion(''), undefined);
  t.same(parseMinVersion('1.33'), { ok: true, value: { major: 1, minor: 33 } });
  t.match(parseMinVersion('1.28'), { ok: false, error: /only from 1\.29; got 1\.28/ });
  t.match(parseMinVersion('1.33.1'), { ok: false, error: /MAJOR\.MINOR/ });
  t.match(parseMinVersion('latest'), { ok: false, error: /got "latest"/ });
});

t.test('the cluster decision: off and on as said; auto only when the apiserver and every node are new enough', async (t) => {
  const min = { major: 1, minor: 33 };
  const nodes = (...v: string[]) => new Map(v.map((x, i) => [`node-${i}`, x]));
  t.match(clusterDecision('off', min, 'v1.35.0', nodes('v1.35.0')), { convert: false, code: 'mode-off' });
  t.match(clusterDecision('on', min, 'v1.20.0', nodes('v1.20.0')), { convert: true, code: 'mode-on' });
  t.match(clusterDecision('auto', min, undefined, nodes('v1.35.0')), { convert: false, code: 'apiserver-unknown' });
  t.match(clusterDecision('auto', min, 'v1.32.9', nodes('v1.35.0')), { convert: false, code: 'apiserver-old', reason: /v1\.32\.9, older than 1\.33/ });
  t.match(clusterDecision('auto', min, 'v1.35.0', undefined), { convert: false, code: 'nodes-not-synced' });
  t.match(clusterDecision('auto', min, 'v1.35.0', nodes('v1.35.4', 'v1.33.0', 'v1.34.1')), { convert: true, code: 'all-current', reason: /all 3 node\(s\)/ });
  const old = clusterDecision('auto', min, 'v1.35.0', nodes('v1.35.4', 'v1.28.3', 'kwok-v0.8.0'));
  t.match(old, { convert: false, code: 'kubelet-old' });
  t.match(old.reason, '2 node(s) run a kubelet older than 1.33: node-1 (v1.28.3), node-2 (kwok-v0.8.0)');
  t.match(clusterDecision('auto', { major: 1, minor: 29 }, 'v1.35.0', nodes('v1.29.0')), { convert: true });
  t.match(clusterDecision('auto', min, 'v1.35.0', new Map()), { convert: true }, 'no node at all is no old node');
});

t.test('a converted Naisjob pod: its known sidecars move after the init containers, with restartPolicy Always and every field kept', async (t) => {
  const p = pod('naisjob');
  const a = mutate(request(p), config(), ON);
  t.equal(a.result, 'patched');
  // Each move takes one container out, so the next one is at the same index; no container is copied into the patch.
  t.same(patchOf(a).filter((o) => o.path.startsWith('/spec')), [
    { op: 'add', path: '/spec/initContainers', value: [] },
    { op: 'move', from: '/spec/containers/1', path: '/spec/initContainers/0' },
    { op: 'add', path: '/spec/initContainers/0/restartPolicy', value: 'Always' },
    { op: 'move', from: '/spec/containers/1', path: '/spec/initContainers/1' },
    { op: 'add', path: '/spec/initContainers/1/restartPolicy', value: 'Always' },
    { op: 'move', from: '/spec/containers/1', path: '/spec/initContainers/2' },
    { op: 'add', path: '/spec/initContainers/2/restartPolicy', value: 'Always' },
    { op: 'move', from: '/spec/containers/1', path: '/spec/initContainers/3' },
    { op: 'add', path: '/spec/initContainers/3/restartPolicy', value: 'Always' },
  ]);
  const after = apply(p, a);
  const before = specOf(p);
  t.same(specOf(after).containers.map((c) => c.name), ['dataloader']);
  t.same(specOf(after).initContainers, before.containers.slice(1).map((c) => ({ ...c, restartPolicy: 'Always' })));
  t.same(after.metadata.labels, p.metadata.labels, 'labels untouched');
  const ann = after.metadata.annotations ?? {};
  t.notOk(Object.keys(ann).some((k) => k.startsWith('shutdown.hahaha.nais.io/')), 'no shutdown annotation for sidecars that became native');
  t.equal(ann['config.linkerd.io/proxy-enable-native-sidecar'], 'true', 'linkerd is asked for a native proxy');
  t.equal(ann['sidecar.istio.io/nativeSidecar'], 'true');
  t.equal(ann['dapr.io/enable-native-sidecar'], 'true');
  const again = mutate(request(after), config(), ON);
  t.equal(again.result, 'allowed', 'a second call changes nothing');
  t.same(patchOf(again), []);
  t.equal(validate(request(after), config()).result, 'allowed', 'the validating webhook accepts what the mutating one wrote');
});

t.test('not converted: the cluster says no, or the pod says "false"; the pod\'s "true" wins over the cluster', async (t) => {
  const p = pod('naisjob');
  for (const [why, native, ann] of [['cluster off', OFF, undefined], ['pod false', ON, 'false']] as const) {
    const q = structuredClone(p);
    if (ann) q.metadata.annotations = { ...q.metadata.annotations, 'hahaha.nais.io/native-sidecars': ann };
    const a = mutate(request(q), config(), native);
    t.notOk(patchOf(a).some((o) => o.path.startsWith('/spec')), `${why}: the spec is untouched`);
    t.equal(apply(q, a).metadata.annotations?.['shutdown.hahaha.nais.io/vks-sidecar'], 'exec /bin/kill -s INT 1', `${why}: today's shutdown annotation`);
    t.equal(apply(q, a).metadata.annotations?.['sidecar.istio.io/nativeSidecar'], undefined, `${why}: no injector is asked`);
  }
  const q = structuredClone(p);
  q.metadata.annotations = { ...q.metadata.annotations, 'hahaha.nais.io/native-sidecars': 'true' };
  t.same(specOf(apply(q, mutate(request(q), config(), OFF))).containers.map((c) => c.name), ['dataloader']);
});

t.test('what never moves: main containers, "none" sidecars, unknown sidecars, containers an injector made', async (t) => {
  const p = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'n', labels: { 'nais.io/naisjob': 'true' }, annotations: {
      'hahaha.nais.io/main-container': 'a,b',
      'shutdown.hahaha.nais.io/exits-alone': 'none',
      'shutdown.hahaha.nais.io/mine': 'POST :8080/quit',
      'sidecar.istio.io/nativeSidecar': 'false',
    } },
    spec: {
      initContainers: [{ name: 'setup', image: 'busybox' }],
      containers: [
        { name: 'a', image: 'a' }, { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.11.1' }, { name: 'b', image: 'b' },
        { name: 'exits-alone', image: 'x' }, { name: 'stranger', image: 'ghcr.io/x/unknown:1' }, { name: 'mine', image: 'ghcr.io/x/mine:1' },
      ],
    },
  };
  const a = mutate(request(p), config(), ON);
  const after = apply(p, a);
  t.same(specOf(after).containers.map((c) => c.name), ['a', 'linkerd-proxy', 'b', 'exits-alone', 'stranger']);
  t.same(specOf(after).initContainers, [{ name: 'setup', image: 'busybox' }, { name: 'mine', image: 'ghcr.io/x/mine:1', restartPolicy: 'Always' }]);
  const ann: Record<string, string> = after.metadata.annotations;
  t.equal(ann['shutdown.hahaha.nais.io/linkerd-proxy'], 'POST :4191/shutdown', 'an injected regular container keeps its shutdown action');
  t.equal(ann['sidecar.istio.io/nativeSidecar'], 'false', "the pod's own switch is kept");
  t.equal(ann['shutdown.hahaha.nais.io/mine'], 'POST :8080/quit', "the author's annotation stays, as the fallback action");
  const v = analyze(podView(after), config(), ON).conversion?.sidecars ?? [];
  t.match(Object.fromEntries(v.map((s) => [s.name, s.verdict])), { 'linkerd-proxy': 'injector', 'exits-alone': 'stays', stranger: 'stays' });
  t.match(v.find((s) => s.name === 'exits-alone')?.reason, 'a native sidecar that exits is restarted');
  t.equal(validate(request(after), config()).result, 'allowed');
  t.same(patchOf(mutate(request(after), config(), ON)), [], 'idempotent');
});

t.test('vault-agent, whose injector has no native mode, is moved on re-invocation, after vault-agent-init; its fallback follows the listener port', async (t) => {
  const p = pod('vault');
  const a = mutate(request(p), config(), ON);
  const after = apply(p, a);
  t.same(names(specOf(after).initContainers), ['vault-agent-init', 'vault-agent:Always']);
  t.same(names(specOf(after).containers), ['main']);
  const natives = analyze(podView(after), config()).natives;
  t.same(natives.map((n) => [n.name, n.source, n.action && formatAction(n.action)]), [['vault-agent', 'catalog', 'POST :8100/agent/v1/quit']]);
});

t.test('explain says per sidecar whether it is native, moved, left to its injector, or stays, and why', async (t) => {
  const p = pod('naisjob');
  p.spec = { ...(p.spec as object), containers: [...specOf(p).containers, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0' }], initContainers: [{ name: 'texas', image: 'x', restartPolicy: 'Always' }] };
  const r = explainReport(p, 'Pod', config(), undefined, ON);
  t.match(r.native, { convert: true, reason: 'test: on' });
  t.same(r.native?.sidecars.map((s) => [s.name, s.native]), [
    ['texas', 'native'], ['cloudsql-proxy', 'moved'], ['secure-logs-fluentd', 'moved'], ['secure-logs-configmap-reload', 'moved'], ['vks-sidecar', 'moved'], ['istio-proxy', 'injector'],
  ]);
  const off = explainReport(p, 'Pod', config(), undefined, OFF);
  t.match(off.native?.sidecars.find((s) => s.name === 'vks-sidecar'), { native: 'stays', reason: /^would be moved if the pod were converted/ });
});

t.test('a moved container keeps every field, but a resizePolicy that only says the default is dropped', async (t) => {
  const withPolicy = (policy: unknown) => ({
    metadata: { name: 'p', labels: { 'nais.io/naisjob': 'true' } },
    spec: { containers: [{ name: 'main' }, { name: 'vks-sidecar', image: 'y', resources: { requests: { cpu: '10m' } }, resizePolicy: policy }] },
  });
  const moved = (policy: unknown) => specOf(apply(withPolicy(policy), mutate(request(withPolicy(policy)), config(), ON))).initContainers?.[0] as Record<string, unknown>;
  t.same(moved([{ resourceName: 'cpu', restartPolicy: 'NotRequired' }, { resourceName: 'memory', restartPolicy: 'NotRequired' }]), { name: 'vks-sidecar', image: 'y', resources: { requests: { cpu: '10m' } }, restartPolicy: 'Always' });
  t.same(moved([{ resourceName: 'memory', restartPolicy: 'RestartContainer' }]).resizePolicy, [{ resourceName: 'memory', restartPolicy: 'RestartContainer' }], 'a chosen policy is kept');
});

t.test('a catalog file says how a sidecar becomes native; bad values are named', async (t) => {
  const c = loadCatalog('sidecars:\n  - name: mesh\n    action: POST :1/q\n    native: {injector: {mesh.io/native: "yes"}}\n  - name: old\n    action: POST :2/q\n    native: never\n', 'c.yaml');
  t.ok(c.ok);
  if (!c.ok) return;
  t.same(c.value[0]?.native, { kind: 'injector', annotations: { 'mesh.io/native': 'yes' } });
  t.same(c.value[1]?.native, { kind: 'never', why: 'the catalog says never' });
  const p = { metadata: { name: 'p', labels: { 'nais.io/naisjob': 'true' } }, spec: { containers: [{ name: 'main' }, { name: 'mesh' }, { name: 'old' }] } };
  const a = analyze(podView(p), config({ catalog: c.value }), ON);
  t.same(a.conversion?.moves, []);
  t.equal(a.additions['mesh.io/native'], 'yes');
  t.match(loadCatalog('sidecars: [{name: a, action: none, native: sometimes}]', 'c.yaml'), { ok: false, error: 'c.yaml: sidecars[0].native: expected "move", "never" or {injector: {<annotation>: <value>}}, got "sometimes"' });
  t.match(loadCatalog('sidecars: [{name: a, action: none, native: {injector: {}}}]', 'c.yaml'), { ok: false, error: /sidecars\[0\]\.native\.injector: expected at least one annotation/ });
});

t.test('the validating webhook: native-sidecars takes "true" or "false"; a native sidecar may carry its fallback action', async (t) => {
  const p = pod('naisjob');
  p.metadata.annotations = { ...p.metadata.annotations, 'hahaha.nais.io/native-sidecars': 'yes' };
  const v = validate(request(p), config());
  t.equal(v.result, 'denied');
  t.equal(v.review.response.status?.message, 'hahaha.nais.io/native-sidecars: expected "true" or "false", got "yes"');
  const n = {
    metadata: { name: 'p', labels: { 'nais.io/naisjob': 'true' }, annotations: { 'shutdown.hahaha.nais.io/proxy': 'POST :9/x', 'shutdown.hahaha.nais.io/setup': 'POST :9/x' } },
    spec: { initContainers: [{ name: 'setup' }, { name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'main' }] },
  };
  t.equal(validate(request(n), config()).review.response.status?.message, 'shutdown.hahaha.nais.io/setup: "setup" is an init container that runs to completion: only regular containers and native sidecars (restartPolicy: Always) have shutdown actions');
});

// --- the property: random pods through the conversion and an RFC 6902 applier ----------------

const NAMES = ['main', 'app', 'worker', 'cloudsql-proxy', 'vks-sidecar', 'secure-logs-fluentd', 'vault-agent', 'linkerd-proxy', 'istio-proxy', 'x-1', 'x-2', 'x-3'];
const container = (name: string) =>
  fc.record({
    image: fc.constantFrom('ghcr.io/a/b:1', 'cr.l5d.io/linkerd/proxy:edge', 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2', 'docker.io/istio/proxyv2:1.27', 'hashicorp/vault:1.18'),
    ports: fc.option(fc.constant([{ containerPort: 8080 }]), { nil: undefined }),
    readinessProbe: fc.option(fc.constant({ httpGet: { path: '/ready', port: 8080 } }), { nil: undefined }),
    env: fc.option(fc.constant([{ name: 'A', value: 'b' }]), { nil: undefined }),
  }).map((r) => ({ name, ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) }));

const arbPod = fc
  .shuffledSubarray(NAMES, { minLength: 1 })
  .chain((names) =>
    fc.record({
      split: fc.nat({ max: names.length - 1 }),
      natives: fc.nat({ max: 2 }),
      containers: fc.tuple(...names.map(container)),
      mains: fc.subarray(names, { maxLength: Math.min(2, names.length) }),
      actions: fc.dictionary(fc.constantFrom(...names), fc.constantFrom('none', 'POST :8080/quit', 'exec /bin/kill -s INT 1'), { maxKeys: 3 }),
      hasInit: fc.boolean(),
      hasAnnotations: fc.boolean(),
      own: fc.constantFrom(undefined, 'true', 'false'),
    }).map((r) => {
      // The first containers up to `split` are regular; the rest are init containers, the first `natives` of them native.
      const regular = r.containers.slice(0, r.split + 1);
      const rest = r.containers.slice(r.split + 1).map((c, i) => (i < r.natives ? { ...c, restartPolicy: 'Always' } : c));
      const mains = r.mains.filter((m) => regular.some((c) => c.name === m));
      const annotations: Record<string, string> = {};
      if (mains.length) annotations['hahaha.nais.io/main-container'] = mains.join(',');
      for (const [k, v] of Object.entries(r.actions)) if (regular.some((c) => c.name === k) && !mains.includes(k)) annotations[`shutdown.hahaha.nais.io/${k}`] = v;
      if (r.own) annotations['hahaha.nais.io/native-sidecars'] = r.own;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'n', labels: { 'nais.io/naisjob': 'true', app: 'main' }, ...(r.hasAnnotations || Object.keys(annotations).length ? { annotations } : {}) },
        spec: { restartPolicy: 'Never', ...(r.hasInit || rest.length ? { initContainers: rest } : {}), containers: regular },
      };
    }),
  );

t.test('property: every moved sidecar appears once, after the original init containers; nothing else changes; a second call is empty', async (t) => {
  let moved = 0;
  let valid = 0;
  fc.assert(
    fc.property(arbPod, fc.boolean(), (p, clusterOn) => {
      const native = clusterOn ? ON : OFF;
      const a = mutate(request(p), config(), native);
      const ops = patchOf(a);
      // Containers are moved, never copied: no operation carries one.
      const container = (v: unknown) => typeof v === 'object' && v !== null && 'name' in v;
      if (!ops.every((o) => o.op === 'add' || o.op === 'remove' || (o.op === 'move' && o.from.startsWith('/spec/containers/') && o.path.startsWith('/spec/initContainers/')))) return false;
      if (ops.some((o) => 'value' in o && (container(o.value) || (Array.isArray(o.value) && o.value.some(container))))) return false;
      const after = apply(p, a);
      const before = specOf(p);
      const moves = a.analysis?.conversion?.moves.map((m) => m.name) ?? [];
      moved += moves.length;
      const mains = new Set(a.analysis?.mains ?? []);
      if (moves.some((m) => mains.has(m))) return false;
      const init = specOf(after).initContainers ?? [];
      const originalInit = before.initContainers ?? [];
      // The original init containers first, untouched, then each moved container once, in order.
      if (JSON.stringify(init.slice(0, originalInit.length)) !== JSON.stringify(originalInit)) return false;
      const expected = before.containers.filter((c) => moves.includes(c.name)).map((c) => ({ ...c, restartPolicy: 'Always' }));
      if (JSON.stringify(init.slice(originalInit.length)) !== JSON.stringify(expected)) return false;
      if (JSON.stringify(specOf(after).containers) !== JSON.stringify(before.containers.filter((c) => !moves.includes(c.name)))) return false;
      if (JSON.stringify(after.metadata.labels) !== JSON.stringify(p.metadata.labels)) return false;
      const { spec: s1, metadata: m1, ...rest1 } = after;
      const { spec: s0, metadata: m0, ...rest0 } = p;
      if (JSON.stringify(rest1) !== JSON.stringify(rest0) || s1.restartPolicy !== s0.restartPolicy || m1.name !== m0.name) return false;
      // Existing annotations are never changed.
      for (const [k, v] of Object.entries(p.metadata.annotations ?? {})) if (after.metadata.annotations?.[k] !== v) return false;
      // The validating webhook accepts what the mutating one wrote from a pod it accepts.
      if (validate(request(p), config()).result !== 'denied') {
        valid++;
        if (validate(request(after), config()).result === 'denied') return false;
      }
      const again = mutate(request(after), config(), native);
      return patchOf(again).length === 0;
    }),
    { numRuns: 1500 },
  );
  t.ok(moved > 500, `the random pods moved ${moved} sidecars in all`);
  t.ok(valid > 1000, `${valid} of the random pods were valid, and stayed valid after the patch`);
});

t.test('a sidecar that moves gets no shutdown annotation, even one that a catalog entry\'s podAnnotations would add', async (t) => {
  const c = loadCatalog('sidecars:\n  - name: helper\n    action: POST :1/q\n    podAnnotations: {shutdown.hahaha.nais.io/helper: "POST :1/q"}\n', 'c.yaml');
  t.ok(c.ok);
  if (!c.ok) return;
  const p = { metadata: { name: 'p', labels: { 'nais.io/naisjob': 'true' } }, spec: { containers: [{ name: 'main' }, { name: 'helper' }] } };
  const on = analyze(podView(p), config({ catalog: c.value }), ON);
  t.same(on.conversion?.moves, [{ name: 'helper' }]);
  t.notOk('shutdown.hahaha.nais.io/helper' in on.additions, 'the kubelet stops it; no action is written');
  t.equal(analyze(podView(p), config({ catalog: c.value }), OFF).additions['shutdown.hahaha.nais.io/helper'], 'POST :1/q', 'not converted: the action is written');
});
