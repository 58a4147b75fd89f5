// The labels of hahaha_kube_request_duration_seconds: the resource a path names, never an object's
// name (pods, events, leases are named after what users create), the verb and the status code,
// each from a fixed vocabulary, whatever the client reports.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { deadline } from '../../src/controller/api.ts';
import { KubeClient, apiPath, resourceOf } from '../../src/kube/client.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { fakeApiserver, json } from './apiserver.ts';

const RESOURCES = ['pods', 'pods/eviction', 'pods/status', 'events', 'leases', 'nodes', 'namespaces', 'secrets', 'mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'version', 'other'];

// Names as users choose them, and some shaped like the parts of a path.
const names = (i: number): string[] => [`job-${i}-${randomUUID()}`, 'pods', 'eviction', 'namespaces', 'status', '', `a/b-${i}`, `x?watch=${i}`, `${'n'.repeat(300)}${i}`];

/** The paths hahaha's callers build (names encoded by apiPath), and with `raw` also paths built carelessly, names unencoded. */
const paths = (i: number, raw = true): string[] =>
  names(i).flatMap((n) => [
    apiPath`/api/v1/namespaces/${n}/pods/${n}`,
    apiPath`/api/v1/namespaces/${n}/pods/${n}/eviction`,
    apiPath`/apis/events.k8s.io/v1/namespaces/${n}/events/${n}`,
    apiPath`/apis/coordination.k8s.io/v1/namespaces/${n}/leases/${n}`,
    apiPath`/api/v1/namespaces/${n}/secrets/${n}`,
    apiPath`/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${n}`,
    apiPath`/api/v1/nodes/${n}`,
    apiPath`/api/v1/namespaces/${n}`,
    ...(raw ? [`/api/v1/namespaces/${n}/pods/${n}`, `/apis/events.k8s.io/v1/namespaces/${n}/events/${n}`, `/${n}`] : []),
  ]);

t.test('resourceOf never names an object, whatever the names in the path', async (t) => {
  const leaked: string[] = [];
  for (let i = 0; i < 20; i++) {
    for (const path of paths(i, false)) {
      const r = resourceOf(path);
      // A resource is a plural of lowercase letters, with a subresource after a slash.
      if (!/^[a-z]*(\/[a-z]+)?$/.test(r) || r.includes(String(i)) || r.length > 40) leaked.push(`${path.slice(0, 80)} -> ${r.slice(0, 60)}`);
    }
  }
  t.same(leaked, []);
  t.equal(resourceOf('/api/v1/namespaces//pods/job-7'), 'pods', 'an empty namespace does not shift the object name into the resource');
  t.equal(resourceOf('/apis/events.k8s.io/v1/namespaces//events/job-7'), 'events');
});

type Sample = MetricValue<string>;
t.test('the request metric stays bounded: names, verbs and codes', async (t) => {
  const codes = [200, 201, 404, 409, 422, 500, 503, 299, 600, 999];
  let n = 0;
  const api = await fakeApiserver(t, (_req, res) => {
    const code = codes[n++ % codes.length] as number;
    // 600-999: what a broken proxy could send (node:http writes 100-999 only).
    json(res, code, {});
  });
  const metrics = createMetrics();
  // Wired as src/controller/run.ts wires it: what the client reports goes to the metric as it is.
  const client = new KubeClient(api.config(), { observe: (c) => metrics.kubeRequests.observe({ verb: c.method, resource: c.resource, code: String(c.code) }, c.seconds) });
  t.teardown(() => client.close());
  const verbs = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'MKCOL'];
  let calls = 0;
  const series = async () => {
    const [m] = (await metrics.registry.getMetricsAsJSON()).filter((m) => m.name === 'hahaha_kube_request_duration_seconds') as MetricObjectWithValues<Sample>[];
    return new Set(m?.values.map((v) => JSON.stringify([v.labels.verb, v.labels.resource, v.labels.code])));
  };
  let after: number | undefined;
  for (let i = 0; i < 40; i++) {
    for (const path of paths(i)) {
      const verb = verbs[calls++ % verbs.length] as string;
      const options = { ...deadline(5000), ...(verb === 'PATCH' ? { headers: { 'Content-Type': 'application/merge-patch+json' } } : {}) };
      await client.request(verb, path, { ...options, ...(verb === 'GET' ? {} : { body: {} }) }).catch(() => undefined);
    }
    if (i === 9) after = (await series()).size;
  }
  const seen = [...(await series())].map((s) => JSON.parse(s) as [string, string, string]);
  t.equal(seen.length, after, `as many series after 40 rounds of calls as after 10 (${after})`);
  t.same(seen.filter(([verb]) => !['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'other'].includes(verb)), [], 'verb: the HTTP methods hahaha uses, else other');
  t.same(seen.filter(([, resource]) => !RESOURCES.includes(resource)), [], 'resource: the resources hahaha calls, else other');
  t.same(seen.filter(([, , code]) => code !== '0' && code !== 'other' && !(Number(code) >= 100 && Number(code) <= 599 && /^\d{3}$/.test(code))), [], 'code: 0, 100-599, else other');
});
