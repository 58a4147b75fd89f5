// The webhooks as pure functions: the mutating one patches only what is missing, idempotently,
// and never denies; the validating one denies bad annotations with a message naming the key.

import fastJsonPatch from 'fast-json-patch';
import t from 'tap';
import { type Answer, mutate, parseReview, validate } from '../../src/core/admission.ts';
import { review } from '../admission.ts';
import { NAISJOB_ANNOTATIONS, config, pod } from '../helpers.ts';

const request = (r: Record<string, unknown>) => {
  const p = parseReview(r);
  if (!p.ok) throw new Error(p.error);
  return p.request;
};
const patchOf = (a: Answer): fastJsonPatch.Operation[] =>
  a.review.response.patch ? (JSON.parse(Buffer.from(a.review.response.patch, 'base64').toString()) as fastJsonPatch.Operation[]) : [];
const apply = <T>(obj: T, a: Answer): T => fastJsonPatch.applyPatch(structuredClone(obj), patchOf(a), true, false).newDocument;

t.test('a Naisjob pod gets the catalog annotations in one add of the map, and nothing else changes', async (t) => {
  const p = pod('naisjob');
  delete p.metadata.annotations;
  const a = mutate(request(review(p)), config());
  t.equal(a.result, 'patched');
  t.equal(a.review.response.patchType, 'JSONPatch');
  t.same(patchOf(a).map((o) => [o.op, o.path]), [['add', '/metadata/annotations']]);
  const after = apply(p, a);
  t.same(after.spec, p.spec, 'spec untouched');
  t.same(after.metadata.labels, p.metadata.labels, 'labels untouched');
  t.same(after.metadata.annotations, NAISJOB_ANNOTATIONS);
  const again = mutate(request(review(after)), config());
  t.equal(again.result, 'allowed');
  t.equal(again.review.response.patch, undefined, 'a second call on the patched pod gives no patch');
});

t.test('where the annotations map exists, one add per missing key; user values are kept', async (t) => {
  const p = pod('naisjob');
  p.metadata.annotations = { ...p.metadata.annotations, 'shutdown.hahaha.nais.io/vks-sidecar': 'exec /bin/kill -s INT 1', 'config.linkerd.io/proxy-admin-shutdown': 'disabled' };
  const a = mutate(request(review(p)), config());
  const ops = patchOf(a);
  t.ok(ops.every((o) => o.op === 'add'), 'only add operations');
  t.same(ops.map((o) => o.path).sort(), [
    '/metadata/annotations/hahaha.nais.io~1main-container',
    '/metadata/annotations/shutdown.hahaha.nais.io~1cloudsql-proxy',
    '/metadata/annotations/shutdown.hahaha.nais.io~1secure-logs-configmap-reload',
    '/metadata/annotations/shutdown.hahaha.nais.io~1secure-logs-fluentd',
  ]);
  const after = apply(p, a);
  t.equal(after.metadata.annotations?.['config.linkerd.io/proxy-admin-shutdown'], 'disabled');
  t.equal(after.metadata.annotations?.['nais.io/logformat'], 'json');
});

t.test('re-invoked after linkerd injected its proxy: the proxy is annotated too, then nothing more', async (t) => {
  const first = pod('naisjob');
  const afterFirst = apply(first, mutate(request(review(first)), config()));
  // linkerd's injector adds its init container and proxy, as the apiserver shows the re-invocation.
  const spec = afterFirst.spec as { containers: unknown[]; initContainers?: unknown[] };
  spec.containers.push({ name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.11.1' });
  spec.initContainers = [{ name: 'linkerd-init', image: 'cr.l5d.io/linkerd/proxy-init:v2.4.1' }];
  const second = mutate(request(review(afterFirst)), config());
  t.same(patchOf(second), [{ op: 'add', path: '/metadata/annotations/shutdown.hahaha.nais.io~1linkerd-proxy', value: 'POST :4191/shutdown' }]);
  const third = mutate(request(review(apply(afterFirst, second))), config());
  t.equal(third.review.response.patch, undefined);
});

t.test('unknown sidecars get no annotation and a warning naming them', async (t) => {
  const a = mutate(request(review(pod('sidecars-with-trouble'))), config());
  t.equal(a.result, 'patched');
  t.notOk(patchOf(a).some((o) => o.path.endsWith('metrics-exporter')));
  t.ok(a.review.response.warnings?.includes('hahaha: unknown sidecar "metrics-exporter": no shutdown action in the catalog; set shutdown.hahaha.nais.io/metrics-exporter'));
  t.ok(a.review.response.warnings?.every((w) => w.length <= 240), 'warnings stay short');
});

t.test('the mutating webhook lets everything else through untouched', async (t) => {
  const naisjob = pod('naisjob');
  const cases: [string, Record<string, unknown>][] = [
    ['UPDATE', review(naisjob, { operation: 'UPDATE', oldObject: naisjob })],
    ['DELETE', review(null, { operation: 'DELETE', oldObject: naisjob })],
    ['CONNECT', review({ kind: 'PodExecOptions' }, { operation: 'CONNECT', subResource: 'exec' })],
    ['not a pod', review({ metadata: {} }, { resource: 'configmaps' })],
    ['a subresource', review(naisjob, { subResource: 'status' })],
    ['unmanaged', review({ ...naisjob, metadata: { ...naisjob.metadata, labels: { app: 'x' } } })],
    ['opted out', review({ ...naisjob, metadata: { ...naisjob.metadata, annotations: { 'hahaha.nais.io/enabled': 'false' } } })],
  ];
  for (const [what, r] of cases) {
    const a = mutate(request(r), config());
    t.equal(a.review.response.allowed, true, `${what}: allowed`);
    t.equal(a.review.response.patch, undefined, `${what}: no patch`);
    t.equal(a.review.response.uid, (r.request as { uid: string }).uid, `${what}: uid echoed`);
  }
});

t.test('bad annotations are left for the validating webhook: the mutating one never denies', async (t) => {
  const p = pod('bad-annotations');
  const a = mutate(request(review(p)), config());
  t.equal(a.review.response.allowed, true);
  t.same(patchOf(a).map((o) => o.path), [
    '/metadata/annotations/hahaha.nais.io~1main-container',
    '/metadata/annotations/config.linkerd.io~1proxy-admin-shutdown',
  ], 'what can be decided is added; the user\'s broken values stay as written');
});

t.test('M3: an UPDATE that makes a pod managed is validated, even with its annotations unchanged', async (t) => {
  const unmanaged = pod('naisjob');
  delete (unmanaged.metadata as { labels?: unknown }).labels;
  unmanaged.metadata.annotations = { 'hahaha.nais.io/enabled': 'yes' };
  const managed = structuredClone(unmanaged);
  managed.metadata.labels = { 'nais.io/naisjob': 'true' };
  const adding = validate(request(review(managed, { operation: 'UPDATE', oldObject: unmanaged })), config());
  t.equal(adding.result, 'denied', 'adding the label is checked');
  t.match(adding.review.response.status?.message, /hahaha\.nais\.io\/enabled: expected "true" or "false", got "yes"/);
  const other = structuredClone(managed);
  other.metadata.labels = { 'nais.io/naisjob': 'true', team: 'data' };
  t.equal(validate(request(review(other, { operation: 'UPDATE', oldObject: managed })), config()).result, 'skipped', 'managed before and after, annotations unchanged: still skipped');
});

t.test('M1: a 1 MiB AdmissionReview built to be slow is answered in linear time, with the limit named', async (t) => {
  const containers = Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, image: 'busybox' }));
  const names = Array.from({ length: 150_000 }, (_, i) => `c${i % 5000}`).join(',');
  const slow = { metadata: { name: 'p', namespace: 'ns', labels: { 'nais.io/naisjob': 'true' }, annotations: { 'hahaha.nais.io/main-container': names } }, spec: { containers } };
  const body = JSON.stringify(review(slow));
  t.ok(body.length > 1_000_000, `${body.length} bytes`);
  const v = validate(request(JSON.parse(body) as Record<string, unknown>), config());
  t.match(v.review.response.status?.message, /pod: the pod has 5000 containers and init containers; hahaha manages pods with at most 250/);
  const few = { ...slow, spec: { containers: containers.slice(0, 250) } };
  t.match(validate(request(review(few)), config()).review.response.status?.message, /hahaha\.nais\.io\/main-container: the value is \d+ characters long; at most 16384/);
  t.equal(mutate(request(review(few)), config()).review.response.allowed, true, 'the mutating webhook still admits it');
});

t.test('the validating webhook denies bad annotations with a message naming each key', async (t) => {
  const a = validate(request(review(pod('bad-annotations'))), config());
  t.equal(a.result, 'denied');
  t.equal(a.review.response.allowed, false);
  t.equal(a.review.response.status?.code, 400);
  const message = a.review.response.status?.message ?? '';
  t.match(message, 'shutdown.hahaha.nais.io/metrics-exporter: expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "kill it please"');
  t.match(message, 'shutdown.hahaha.nais.io/log-shipper: "exec /bin/sh -c \'rm -rf /\'" is not allowed by the exec policy');
  t.match(message, 'shutdown.hahaha.nais.io/ghost: "ghost" is not a container in this pod');
  t.match(message, 'shutdown.hahaha.nais.io/bad: "bad" is a main container, not a sidecar');
});

t.test('the validating webhook allows good pods, and updates that leave hahaha annotations alone', async (t) => {
  const good = validate(request(review(pod('naisjob'))), config());
  t.equal(good.result, 'allowed');
  t.equal(good.review.response.allowed, true);
  const bad = pod('bad-annotations');
  const relabelled = { ...bad, metadata: { ...bad.metadata, labels: { ...bad.metadata.labels as object, extra: 'x' } } };
  const update = validate(request(review(relabelled, { operation: 'UPDATE', oldObject: bad })), config());
  t.equal(update.review.response.allowed, true, 'a pod that got in while the webhook was down can still be updated');
  const fixed = pod('naisjob');
  const broken = { ...fixed, metadata: { ...fixed.metadata, annotations: { 'shutdown.hahaha.nais.io/vks-sidecar': 'kill' } } };
  const breaking = validate(request(review(broken, { operation: 'UPDATE', oldObject: fixed })), config());
  t.equal(breaking.review.response.allowed, false, 'an update that breaks the annotations is denied');
  t.equal(validate(request(review(pod('bad-annotations'), { operation: 'DELETE' })), config()).review.response.allowed, true);
});

t.test('parseReview says what is wrong with a body that is not an AdmissionReview', async (t) => {
  const cases: [unknown, string][] = [
    [null, 'expected a JSON object (an AdmissionReview v1)'],
    [[], 'expected a JSON object (an AdmissionReview v1)'],
    [{ kind: 'AdmissionReview' }, 'apiVersion: expected "admission.k8s.io/v1", got null'],
    [{ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' }, 'apiVersion: expected "admission.k8s.io/v1", got "admission.k8s.io/v1beta1"'],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }, 'kind: expected "AdmissionReview", got "Pod"'],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'request: the AdmissionReview has no request object'],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }, 'request.uid: expected a non-empty string'],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u' } }, 'request.operation: expected a string'],
  ];
  for (const [body, error] of cases) t.same(parseReview(body), { ok: false, error }, JSON.stringify(body));
});

t.test('a denial lists at most 20 containers, and quotes at most the start of a long value', async (t) => {
  const containers = Array.from({ length: 240 }, (_, i) => ({ name: `c-${String(i).padStart(3, '0')}`, image: 'busybox' }));
  const p = { metadata: { name: 'p', labels: { 'nais.io/naisjob': 'true' }, annotations: { 'hahaha.nais.io/main-container': 'nope' } }, spec: { containers } };
  const message = validate(request(review(p)), config()).review.response.status?.message ?? '';
  t.equal(message, `hahaha.nais.io/main-container: "nope" is not a container in this pod (containers: ${containers.slice(0, 20).map((c) => c.name).join(', ')}, and 220 more)`);
  const long = { ...p, metadata: { ...p.metadata, annotations: { 'hahaha.nais.io/enabled': 'y'.repeat(100_000) } } };
  const enabled = validate(request(review(long)), config()).review.response.status?.message ?? '';
  t.match(enabled, /^hahaha\.nais\.io\/enabled: expected "true" or "false", got "y+…" \(100000 characters\)$/);
  t.ok(enabled.length < 300, `${enabled.length} characters`);
});

t.test('an AdmissionReview whose uid is longer than any apiserver makes is refused: the answer would repeat it', async (t) => {
  const r = review(pod('naisjob'));
  (r.request as { uid: string }).uid = 'u'.repeat(257);
  t.same(parseReview(r), { ok: false, error: 'request.uid: expected at most 256 characters, got 257' });
  (r.request as { uid: string }).uid = 'u'.repeat(256);
  t.equal(parseReview(r).ok, true);
});
