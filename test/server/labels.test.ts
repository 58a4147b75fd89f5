// Metric label values never come from what a request or a pod author chooses: the webhook port has
// no client authentication, and prom-client keeps every series it ever saw, so a label copied from
// a request is memory anyone who reaches the port can take. Each label of each metric is one of a
// fixed vocabulary, "other", or (namespace, container) one of the first few names seen.

import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { Counter, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import { boundLabels } from '../../src/server/labels.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { webhookServer } from '../../src/server/webhook.ts';
import { config, pod } from '../helpers.ts';

/** The documented vocabularies (README "Metrics"), per metric and label; namespace and container are bounded by count. */
const VOCABULARY: Record<string, Record<string, readonly string[]>> = {
  hahaha_admission_requests_total: {
    webhook: ['mutate', 'validate', 'other'],
    operation: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '', 'other'],
    result: ['patched', 'allowed', 'denied', 'skipped', 'invalid', 'error', 'other'],
  },
  hahaha_admission_duration_seconds: { webhook: ['mutate', 'validate', 'other'] },
  hahaha_sidecar_shutdowns_total: {
    step: ['http', 'exec', 'none', 'other'],
    result: ['success', 'failed', 'still-running', 'restarted', 'pod-replaced', 'pod-deleted', 'other'],
  },
  hahaha_queue_wait_seconds: { lane: ['change', 'resync', 'other'] },
  hahaha_kube_request_duration_seconds: { verb: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'other'] },
  hahaha_unsupported_sidecars_total: { reason: ['no-action', 'not-started', 'crash-looping', 'other'] },
  hahaha_native_conversion: { reason: ['mode-on', 'mode-off', 'all-current', 'kubelet-old', 'apiserver-old', 'apiserver-unknown', 'nodes-not-synced', 'other'] },
};

type Sample = MetricValue<string> & { metricName?: string };
const hahaha = async (metrics: ReturnType<typeof createMetrics>): Promise<MetricObjectWithValues<Sample>[]> =>
  ((await metrics.registry.getMetricsAsJSON()) as MetricObjectWithValues<Sample>[]).filter((m) => m.name.startsWith('hahaha_'));
/** Series: distinct label sets per metric (a histogram's buckets, sum and count are one series). */
const seriesOf = (m: MetricObjectWithValues<Sample>): Set<string> =>
  new Set(m.values.map((v) => JSON.stringify(Object.entries(v.labels).filter(([k]) => k !== 'le').sort())));
const countSeries = (ms: MetricObjectWithValues<Sample>[]): number => ms.reduce((n, m) => n + seriesOf(m).size, 0);

/** Every label value of every hahaha metric is in its vocabulary, and none is long. */
function checkValues(t: Test, ms: MetricObjectWithValues<Sample>[]): void {
  const outside: string[] = [];
  for (const m of ms) {
    for (const v of m.values) {
      for (const [label, value] of Object.entries(v.labels)) {
        if (label === 'le') continue;
        const allowed = VOCABULARY[m.name]?.[label];
        if (allowed ? !allowed.includes(String(value)) : String(value).length > 63) outside.push(`${m.name}{${label}=${JSON.stringify(String(value).slice(0, 40))}}`);
      }
    }
  }
  t.same(outside.slice(0, 10), [], 'every label value is in its vocabulary (or a short name)');
}

// Whatever an AdmissionReview can carry, freshly chosen each time: every field that could reach a label.
const junk = (i: number, n = 40): string => `${i}-${randomUUID()}`.padEnd(n, 'z');
function attack(i: number): { url: string; payload: string; contentType: string } {
  const p = pod('naisjob') as Record<string, unknown> & { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } };
  p.metadata.namespace = junk(i);
  p.metadata.name = junk(i);
  p.metadata.labels = { ...(p.metadata.labels as object), [junk(i)]: junk(i), app: junk(i) };
  p.metadata.annotations = {
    [`shutdown.hahaha.nais.io/${junk(i)}`]: junk(i),
    [`hahaha.nais.io/${junk(i)}`]: junk(i),
    'hahaha.nais.io/main-container': i % 3 ? junk(i) : 'dataloader',
    'hahaha.nais.io/enabled': i % 4 ? 'true' : junk(i),
    [junk(i)]: junk(i),
  };
  p.spec.containers = [...p.spec.containers, { name: junk(i), image: `${junk(i)}:1` }, { name: 'linkerd-proxy', image: `${junk(i)}/proxy` }];
  const operations = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', junk(i, 2000), '', 'create'];
  const request = {
    uid: i % 11 ? junk(i) : '',
    kind: { group: junk(i), version: junk(i), kind: junk(i) },
    resource: { group: i % 2 ? '' : junk(i), version: 'v1', resource: i % 3 ? 'pods' : junk(i) },
    ...(i % 5 ? {} : { subResource: junk(i) }),
    requestKind: { group: '', version: 'v1', kind: junk(i) },
    namespace: junk(i),
    name: junk(i),
    operation: operations[i % operations.length],
    userInfo: { username: junk(i), groups: [junk(i)] },
    object: p,
    oldObject: i % 2 ? p : null,
    dryRun: false,
  };
  const body = { apiVersion: i % 13 ? 'admission.k8s.io/v1' : junk(i), kind: i % 17 ? 'AdmissionReview' : junk(i), request };
  const url = i % 2 ? '/mutate' : '/validate';
  // Malformed ones too: not JSON, not an object, no request, a wrong content type, an unknown route.
  switch (i % 19) {
    case 1: return { url, payload: `{"apiVersion": "${junk(i)}`, contentType: 'application/json' };
    case 2: return { url, payload: JSON.stringify([junk(i)]), contentType: 'application/json' };
    case 3: return { url, payload: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: junk(i), operation: i } }), contentType: 'application/json' };
    case 4: return { url, payload: JSON.stringify(body), contentType: `application/${junk(i)}` };
    case 5: return { url: `/${junk(i)}`, payload: JSON.stringify(body), contentType: 'application/json' };
    default: return { url, payload: JSON.stringify(body), contentType: 'application/json' };
  }
}

t.test('a thousand admission requests with fresh values in every field make no more metric series than a hundred', async (t) => {
  const metrics = createMetrics();
  const app = webhookServer({ config: config(), metrics });
  t.teardown(() => app.close());
  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const { url, payload, contentType } = attack(i);
      const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
      if (res.statusCode >= 500) t.fail(`request ${i}: ${res.statusCode} ${res.payload.slice(0, 200)}`);
    }
  };
  await send(0, 100);
  const after100 = countSeries(await hahaha(metrics));
  await send(100, 1000);
  const after1000 = await hahaha(metrics);
  const admission = after1000.find((m) => m.name === 'hahaha_admission_requests_total');
  const counted = admission?.values.reduce((n, v) => n + v.value, 0);
  const routed = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 19 !== 5).length;
  t.equal(counted, routed, 'every request to a webhook was counted');
  t.equal(countSeries(after1000), after100, `as many series after 1,000 requests as after 100 (${after100})`);
  // At most webhook × operation × result (2 × 6 × 7) and the two timers, whatever is sent.
  t.ok(countSeries(after1000) <= 2 * 6 * 7 + 2, `the series are bounded: ${countSeries(after1000)}`);
  checkValues(t, after1000);
});

t.test('every label of every hahaha metric is bounded, whatever its caller passes', async (t) => {
  const metrics = createMetrics();
  const labelled = metrics.registry.getMetricsAsArray().filter((m) => m.name.startsWith('hahaha_')) as unknown as {
    name: string;
    labelNames: string[];
    inc?: (labels: Record<string, string>) => void;
    observe?: (labels: Record<string, string>, v: number) => void;
    set?: (labels: Record<string, string>, v: number) => void;
  }[];
  t.equal(labelled.filter((m) => m.labelNames.length).length, 11, 'every labelled metric is tried');
  const value = (label: string, i: number): string =>
    label === 'code' ? String([-1, 0, 200, 404, 600, 99, 1e6, 2.5, '2OO', ''][i % 10]) : i % 2 ? `${label}-${i}` : junk(i, 1 + (i % 300));
  for (let i = 0; i < 2000; i++) {
    for (const m of labelled) {
      if (!m.labelNames.length) continue;
      const labels = Object.fromEntries(m.labelNames.map((l) => [l, value(l, i)]));
      if (m.observe) m.observe(labels, 1);
      else if (m.name === 'hahaha_native_conversion' && m.set) m.set(labels, 1);
      else m.inc?.(labels);
    }
  }
  const ms = await hahaha(metrics);
  checkValues(t, ms);
  for (const m of ms) {
    const series = seriesOf(m).size;
    // namespace: the first 200 and other; container: a short list and other; the rest: fixed vocabularies.
    t.ok(series <= 300, `${m.name}: ${series} series`);
  }
  const namespaces = new Set(ms.flatMap((m) => m.values.map((v) => v.labels.namespace)).filter((n) => n !== undefined));
  t.ok(namespaces.size <= 202, `namespaces: the first 200, "*" and other (${namespaces.size})`);
  const codes = new Set(ms.find((m) => m.name === 'hahaha_kube_request_duration_seconds')?.values.map((v) => String(v.labels.code)));
  t.same([...codes].sort(), ['0', '200', '404', 'other'], 'code: 0 (no answer), 100-599, else other');
});

t.test('positional labels, children and timers go through the vocabularies too', async (t) => {
  const metrics = createMetrics();
  const long = 'x'.repeat(10_000);
  metrics.admissionRequests.labels('mutate', long, 'patched').inc();
  metrics.admissionRequests.labels({ webhook: long, operation: 'CREATE', result: long }).inc(2);
  metrics.admissionDuration.labels(long).observe(0.1);
  metrics.admissionDuration.startTimer({ webhook: long })();
  metrics.queueWait.startTimer()({ lane: long });
  metrics.nativeConversion.labels({ reason: long }).set(1);
  metrics.kubeRequests.labels('GET', long, '200').observe(1);
  const ms = await hahaha(metrics);
  checkValues(t, ms);
  const values = (name: string) => ms.find((m) => m.name === name)?.values.filter((v) => !('le' in v.labels)).map((v) => ({ ...v.labels }));
  t.same(values('hahaha_admission_requests_total'), [{ webhook: 'mutate', operation: 'other', result: 'patched' }, { webhook: 'other', operation: 'CREATE', result: 'other' }]);
  t.same(values('hahaha_native_conversion'), [{ reason: 'other' }]);
  t.match(values('hahaha_admission_duration_seconds'), [{ webhook: 'other' }]);
  t.match(values('hahaha_queue_wait_seconds'), [{ lane: 'other' }]);
  t.match(values('hahaha_kube_request_duration_seconds'), [{ verb: 'GET', resource: 'other', code: '200' }]);
  metrics.admissionRequests.remove('mutate', long, 'patched');
  t.equal((await hahaha(metrics)).find((m) => m.name === 'hahaha_admission_requests_total')?.values.length, 1, 'remove finds the series by its bounded labels');
});

t.test('a hahaha metric with a label that has no vocabulary is refused when the metrics are made', async (t) => {
  const registry = new Registry();
  new Counter({ name: 'hahaha_new_total', help: 'x', labelNames: ['pod'], registers: [registry] });
  t.throws(() => boundLabels(registry), /hahaha_new_total: no vocabulary for the label pod/);
});
