// The admission HTTP service through fastify.inject: routes, status codes and JSON errors for
// every kind of bad input, metrics per request, and failing open on an internal error.

import fc from 'fast-check';
import t, { type Test } from 'tap';
import type { Config } from '../../src/core/analysis.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { BODY_LIMIT, webhookServer } from '../../src/server/webhook.ts';
import { review, uidOf } from '../admission.ts';
import { config, pod } from '../helpers.ts';

const setup = (t: Test, cfg: Config = config(), readiness?: () => string | undefined) => {
  const metrics = createMetrics();
  const app = webhookServer({ config: cfg, metrics, ...(readiness ? { readiness } : {}) });
  t.teardown(() => app.close());
  return { app, metrics };
};
const post = (app: ReturnType<typeof webhookServer>, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

t.test('POST /mutate answers an AdmissionReview with a patch', async (t) => {
  const { app } = setup(t);
  const r = review(pod('naisjob'));
  const res = await post(app, '/mutate', r);
  t.equal(res.statusCode, 200);
  const body = res.json<{ apiVersion: string; kind: string; response: { uid: string; allowed: boolean; patchType: string } }>();
  t.equal(body.apiVersion, 'admission.k8s.io/v1');
  t.equal(body.kind, 'AdmissionReview');
  t.equal(body.response.uid, uidOf(r));
  t.equal(body.response.allowed, true);
  t.equal(body.response.patchType, 'JSONPatch');
});

t.test('POST /validate denies with the message naming the key', async (t) => {
  const { app } = setup(t);
  const res = await post(app, '/validate', review(pod('bad-annotations')));
  t.equal(res.statusCode, 200, 'a denial is an answer, not an HTTP error');
  const body = res.json<{ response: { allowed: boolean; status: { message: string } } }>();
  t.equal(body.response.allowed, false);
  t.match(body.response.status.message, /shutdown\.hahaha\.nais\.io\/metrics-exporter: expected/);
});

t.test('bad input gets a 4xx with a JSON error that says what was wrong', async (t) => {
  const { app, metrics } = setup(t);
  const cases: [string, () => ReturnType<typeof post>, number, RegExp][] = [
    ['malformed JSON', () => post(app, '/mutate', '{"apiVersion": '), 400, /not valid JSON/],
    ['not an AdmissionReview', () => post(app, '/mutate', { hello: 'world' }), 400, /^apiVersion: expected "admission.k8s.io\/v1", got null$/],
    ['no request', () => post(app, '/validate', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 400, /^request: the AdmissionReview has no request object$/],
    ['a JSON array', () => post(app, '/mutate', []), 400, /^expected a JSON object/],
    ['wrong content type', () => post(app, '/mutate', 'x', { 'content-type': 'text/plain' }), 415, /content-type "text\/plain" is not supported: send application\/json/],
    ['too large', () => post(app, '/mutate', JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) })), 413, /larger than 3145728 bytes/],
    ['unknown route', () => post(app, '/mutate-me', {}), 404, /use POST \/mutate, POST \/validate/],
  ];
  for (const [what, send, status, message] of cases) {
    const res = await send();
    t.equal(res.statusCode, status, `${what}: status`);
    t.match(res.json<{ message: string }>().message, message, `${what}: message`);
  }
  const counted = await metrics.registry.getSingleMetricAsString('hahaha_admission_requests_total');
  t.match(counted, /hahaha_admission_requests_total\{webhook="mutate",operation="",result="invalid"\} 5/);
  t.match(counted, /hahaha_admission_requests_total\{webhook="validate",operation="",result="invalid"\} 1/);
});

t.test('a body just under the limit is read', async (t) => {
  const { app } = setup(t);
  const p = pod('naisjob');
  const r = review({ ...p, metadata: { ...p.metadata, annotations: { pad: 'x'.repeat(BODY_LIMIT - 4096) } } });
  const res = await post(app, '/mutate', r);
  t.equal(res.statusCode, 200);
});

t.test('every answer is counted and timed', async (t) => {
  const { app, metrics } = setup(t);
  await post(app, '/mutate', review(pod('naisjob')));
  await post(app, '/mutate', review(pod('naisjob'), { operation: 'DELETE' }));
  await post(app, '/validate', review(pod('bad-annotations')));
  const text = await metrics.registry.metrics();
  t.match(text, 'hahaha_admission_requests_total{webhook="mutate",operation="CREATE",result="patched"} 1');
  t.match(text, 'hahaha_admission_requests_total{webhook="mutate",operation="DELETE",result="skipped"} 1');
  t.match(text, 'hahaha_admission_requests_total{webhook="validate",operation="CREATE",result="denied"} 1');
  t.match(text, 'hahaha_admission_duration_seconds_count{webhook="mutate"} 2');
  t.match(text, 'process_cpu_seconds_total', 'default process metrics are there');
});

t.test('an internal error fails open: allowed, unchanged, counted', async (t) => {
  const broken = config();
  const exploding = { ...broken, selector: { text: 'x', get requirements(): never { throw new Error('boom'); } } };
  const { app, metrics } = setup(t, exploding);
  const r = review(pod('naisjob'));
  const res = await post(app, '/mutate', r);
  t.equal(res.statusCode, 200);
  const body = res.json<{ response: { uid: string; allowed: boolean; patch?: string; warnings: string[] } }>();
  t.same([body.response.uid, body.response.allowed, body.response.patch], [uidOf(r), true, undefined]);
  t.match(body.response.warnings[0], /internal error in the mutate webhook/);
  t.match(await metrics.registry.metrics(), 'result="error"} 1');
});

t.test('/readyz is the webhooks\' own: a controller that is not synced shows at /readyz/controller only', async (t) => {
  const metrics = createMetrics();
  let controller: string | undefined = 'the pod cache is not current (all namespaces)';
  const app = webhookServer({ config: config(), metrics, readiness: () => undefined, controllerReadiness: () => controller });
  t.teardown(() => app.close());
  t.equal((await app.inject('/readyz')).statusCode, 200, 'webhooks ready whatever the controller');
  const c = await app.inject('/readyz/controller');
  t.same([c.statusCode, c.json()], [503, { status: 'not ready', reason: 'the pod cache is not current (all namespaces)' }]);
  controller = undefined;
  t.equal((await app.inject('/readyz/controller')).statusCode, 200);
  const none = webhookServer({ config: config(), metrics: createMetrics() });
  t.teardown(() => none.close());
  t.equal((await none.inject('/readyz/controller')).statusCode, 503, 'no controller in this process: not ready as a controller');
});

t.test('an internal error on /validate answers 500, so the configured failurePolicy decides', async (t) => {
  const exploding = { ...config(), selector: { text: 'x', get requirements(): never { throw new Error('boom'); } } };
  const { app, metrics } = setup(t, exploding);
  const res = await post(app, '/validate', review(pod('naisjob')));
  t.equal(res.statusCode, 500);
  t.match(res.json<{ message: string }>().message, /failurePolicy applies/);
  t.match(await metrics.registry.metrics(), 'hahaha_admission_requests_total{webhook="validate",operation="CREATE",result="error"} 1');
});

t.test('4xx answers are timed too', async (t) => {
  const { app, metrics } = setup(t);
  await post(app, '/mutate', '{"apiVersion": ');
  await post(app, '/validate', { hello: 'world' });
  await post(app, '/mutate', 'x', { 'content-type': 'text/plain' });
  const text = await metrics.registry.metrics();
  t.match(text, 'hahaha_admission_duration_seconds_count{webhook="mutate"} 2');
  t.match(text, 'hahaha_admission_duration_seconds_count{webhook="validate"} 1');
});

t.test('/healthz and /readyz', async (t) => {
  let why: string | undefined = 'informer cache not synced';
  const { app } = setup(t, config(), () => why);
  t.equal((await app.inject('/healthz')).statusCode, 200);
  const notReady = await app.inject('/readyz');
  t.equal(notReady.statusCode, 503);
  t.same(notReady.json(), { status: 'not ready', reason: 'informer cache not synced' });
  why = undefined;
  t.equal((await app.inject('/readyz')).statusCode, 200);
});

t.test('the mutating webhook never denies and never crashes, whatever the pod', async (t) => {
  const { app, metrics } = setup(t);
  const name = fc.constantFrom('a', 'linkerd-proxy', 'vks-sidecar', 'cloudsql-proxy', '', 'x y');
  const container = fc.record({ name: fc.oneof(name, fc.anything()), image: fc.oneof(fc.string(), fc.anything()), args: fc.oneof(fc.array(fc.string()), fc.anything()) }, { requiredKeys: [] });
  const annotations = fc.dictionary(
    fc.oneof(fc.constantFrom('hahaha.nais.io/main-container', 'hahaha.nais.io/enabled', 'shutdown.hahaha.nais.io/a', 'shutdown.hahaha.nais.io/linkerd-proxy'), fc.string()),
    fc.oneof(fc.string(), fc.constantFrom('a', 'false', 'none', 'POST :1/x', 'exec kill 1'), fc.anything()),
  );
  const podLike = fc.oneof(
    fc.anything(),
    fc.record({
      metadata: fc.record({ labels: fc.oneof(fc.constant({ 'nais.io/naisjob': 'true' }), fc.anything()), annotations: fc.oneof(annotations, fc.anything()) }, { requiredKeys: [] }),
      spec: fc.record({ containers: fc.oneof(fc.array(container, { maxLength: 4 }), fc.anything()), initContainers: fc.oneof(fc.array(container, { maxLength: 2 }), fc.anything()) }, { requiredKeys: [] }),
    }, { requiredKeys: [] }),
  );
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(podLike, async (object) => {
      const res = await post(app, '/mutate', review(object));
      if (res.statusCode !== 200) return false;
      answered++;
      return res.json<{ response: { allowed: boolean } }>().response.allowed;
    }),
    { numRuns: 500 },
  );
  t.equal(answered, 500, 'every request was answered with allowed: true');
  t.notMatch(await metrics.registry.metrics(), 'result="error"', 'and none of them through the fail-open path');
});

t.test('a "__proto__" key in the pod is dropped, not an error (found by the property test above)', async (t) => {
  const { app } = setup(t);
  const body = JSON.stringify(review(pod('naisjob'))).replace('"annotations":{', '"annotations":{"__proto__":{"polluted":"yes"},');
  const res = await post(app, '/mutate', body);
  t.equal(res.statusCode, 200);
  const response = res.json<{ response: { allowed: boolean; patch?: string } }>().response;
  t.equal(response.allowed, true);
  const patch = Buffer.from(response.patch ?? '', 'base64').toString();
  t.match(patch, 'hahaha.nais.io~1main-container', 'the pod was analysed and patched');
  t.notMatch(patch, '__proto__', 'without the dropped key');
});

t.test('each answer is logged at debug with its uid and result; at info only denials are, and nothing is built for the rest', async (t) => {
  const logged = async (level: string) => {
    const lines: Record<string, unknown>[] = [];
    const stream = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
    const app = webhookServer({ config: config(), metrics: createMetrics(), logger: { level, stream } });
    t.teardown(() => app.close());
    const patched = review(pod('naisjob'));
    const denied = review(pod('bad-annotations'));
    await post(app, '/mutate', patched);
    await post(app, '/validate', denied);
    return { lines, patched: uidOf(patched), denied: uidOf(denied) };
  };
  const debug = await logged('debug');
  t.match(debug.lines.filter((l) => l.msg === 'answered'), [{ webhook: 'mutate', uid: debug.patched, operation: 'CREATE', result: 'patched', operations: Number }]);
  t.match(debug.lines.filter((l) => l.msg === 'denied'), [{ webhook: 'validate', uid: debug.denied, message: /shutdown\.hahaha\.nais\.io\/metrics-exporter/ }]);
  const info = await logged('info');
  t.same(info.lines.filter((l) => l.msg === 'answered'), [], 'no debug line at info');
  t.match(info.lines.filter((l) => l.msg === 'denied'), [{ uid: info.denied }], 'a denial is still logged');
});

// An answer never grows with the request: at most the first 20 problems or warnings and one "and N
// more", every list in a message shortened the same way, every quoted value cut. Only the JSON patch
// of /mutate is as long as the pod makes it.
const ANSWER_BOUND = 64 * 1024;
type Response = { uid: string; allowed: boolean; patch?: string; warnings?: string[]; status?: { message: string } };
const naisjob = () => pod('naisjob') as ReturnType<typeof pod> & { spec: { containers: { name: string; image?: string }[] } };

t.test('a denial of a pod with thousands of bad keys names the first 20 and counts the rest, in a bounded answer', async (t) => {
  const { app } = setup(t);
  const p = naisjob();
  // Twenty more containers with names as long as a container name can be: each bad key used to list them all.
  p.spec.containers.push(...Array.from({ length: 20 }, (_, i) => ({ name: `extra-${String(i).padStart(2, '0')}-`.padEnd(63, 'x'), image: 'busybox' })));
  const annotations: Record<string, string> = { ...p.metadata.annotations };
  let bad = 0;
  for (let size = JSON.stringify(annotations).length; size < 300 * 1024; bad++) {
    const key = `shutdown.hahaha.nais.io/ghost-${String(bad).padStart(5, '0')}`;
    annotations[key] = 'none';
    size += key.length + 10;
  }
  p.metadata.annotations = annotations;
  const request = JSON.stringify(review(p));
  t.ok(request.length > 300 * 1024, `the request: ${(request.length / 1024).toFixed(0)} KiB, ${bad} bad keys`);
  const res = await post(app, '/validate', request);
  t.equal(res.statusCode, 200);
  t.ok(res.payload.length < ANSWER_BOUND, `the answer: ${res.payload.length} bytes`);
  const response = res.json<{ response: Response }>().response;
  t.equal(response.allowed, false);
  const message = response.status?.message ?? '';
  const problems = message.split('; ');
  t.equal(problems.length, 21, 'the first 20 problems and one more item');
  t.match(problems[0], /^shutdown\.hahaha\.nais\.io\/ghost-00000: "ghost-00000" is not a container in this pod \(containers: dataloader, .*, and \d+ more\)$/, 'the first says what is wrong and where');
  t.match(problems[19], /^shutdown\.hahaha\.nais\.io\/ghost-00019: "ghost-00019" is not a container/);
  t.equal(problems[20], `and ${bad - 20} more problems`);
});

t.test('a pod with sixty thousand unknown hahaha annotations gets 20 warnings and "and N more", in a bounded answer', async (t) => {
  const { app } = setup(t);
  const p = naisjob();
  const annotations: Record<string, string> = { ...p.metadata.annotations };
  const unknown = 60_000;
  for (let i = 0; i < unknown; i++) annotations[`hahaha.nais.io/x${i}`] = '';
  p.metadata.annotations = annotations;
  const request = JSON.stringify(review(p));
  t.ok(request.length > 1.5 * 1024 * 1024, `the request: ${(request.length / 2 ** 20).toFixed(2)} MiB`);
  const res = await post(app, '/mutate', request);
  t.equal(res.statusCode, 200);
  t.ok(res.payload.length < ANSWER_BOUND, `the answer: ${res.payload.length} bytes`);
  const response = res.json<{ response: Response }>().response;
  t.equal(response.allowed, true);
  t.ok(response.patch, 'still patched');
  const warnings = response.warnings ?? [];
  t.equal(warnings.length, 21);
  t.match(warnings[0], /^hahaha: hahaha\.nais\.io\/x0: unknown hahaha annotation/);
  t.equal(warnings[20], `hahaha: and ${unknown - 20} more warnings`);
});

t.test('every answer stays bounded, whatever is long in the request', async (t) => {
  const { app } = setup(t);
  const huge = (c: string) => c.repeat(1024 * 1024);
  const withAnnotations = (extra: Record<string, string>, more: (p: ReturnType<typeof naisjob>) => void = () => undefined) => {
    const p = naisjob();
    p.metadata.annotations = { ...p.metadata.annotations, ...extra };
    more(p);
    return p;
  };
  const longName = (p: ReturnType<typeof naisjob>) => p.spec.containers.push({ name: 'c'.repeat(256 * 1024), image: 'busybox' }, { name: 'd'.repeat(256 * 1024), image: 'busybox' });
  const cases: [string, string, unknown][] = [
    ['enabled', '/validate', review(withAnnotations({ 'hahaha.nais.io/enabled': huge('y') }))],
    ['main-container', '/validate', review(withAnnotations({ 'hahaha.nais.io/main-container': `dataloader,${huge('m')}` }))],
    ['a long missing main container', '/validate', review(withAnnotations({ 'hahaha.nais.io/main-container': 'm'.repeat(16_000) }, longName))],
    ['250 containers and a missing main', '/validate', review(withAnnotations({ 'hahaha.nais.io/main-container': 'nope' }, (p) => p.spec.containers.push(...Array.from({ length: 240 }, (_, i) => ({ name: `c-${i}`.padEnd(63, 'c') })))))],
    ['a long key', '/validate', review(withAnnotations({ [`shutdown.hahaha.nais.io/${huge('k')}`]: 'none' }, longName))],
    ['a long action', '/validate', review(withAnnotations({ 'shutdown.hahaha.nais.io/cloudsql-proxy': `POST :1/${huge('a')}` }))],
    ['a long native-sidecars', '/validate', review(withAnnotations({ 'hahaha.nais.io/native-sidecars': huge('n') }))],
    ['long unknown keys', '/mutate', review(withAnnotations({ [`hahaha.nais.io/${huge('u')}`]: '' }, longName))],
    ['a long apiVersion', '/mutate', { ...review(naisjob()), apiVersion: huge('v') }],
    ['a long kind', '/validate', { ...review(naisjob()), kind: huge('k') }],
    ['a long uid', '/mutate', (() => { const r = review(naisjob()); (r.request as { uid: string }).uid = huge('u'); return r; })()],
    ['not JSON', '/mutate', `{"apiVersion": "${huge('j')}`],
  ];
  for (const [what, url, body] of cases) {
    const res = await post(app, url, body);
    const response = res.statusCode === 200 ? res.json<{ response: Response }>().response : undefined;
    const size = res.payload.length - (response?.patch?.length ?? 0);
    t.ok(res.statusCode === 200 || res.statusCode === 400, `${what}: answered (${res.statusCode})`);
    t.ok(size < ANSWER_BOUND, `${what}: ${size} bytes besides the patch`);
    if (url === '/validate' && res.statusCode === 200) t.equal(response?.allowed, false, `${what}: denied`);
  }
});
