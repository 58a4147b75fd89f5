// Benchmark of the whole process's memory (not a test). Needs `npm run cluster:up`. `hahaha serve`
// with webhooks and controller, from dist/ as the image runs it, against the local apiserver with
// hahaha's ServiceAccount token (its own selector and Lease, so it leads and caches nothing else),
// once per V8 setting: idle RSS after its caches synced, then /mutate under autocannon (req/s, p99)
// and the RSS after. Side by side in one run, so that a heap setting is kept only where it pays.
//
//   npm run bench:memory          (BENCH_REQUESTS=10000 per setting to change the count)

import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { P, metricValue, scrape, waitFor } from '../test/e2e/cluster.ts';
import { type Load, loadMutate, peakRssOf, rssOf, startServer, stop } from './lib/proc.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10000);
const here = (p: string): string => new URL(p, import.meta.url).pathname;
const node = process.execPath;
const VARIANTS: { name: string; flags: string[]; env?: NodeJS.ProcessEnv }[] = [
  { name: 'V8 and glibc defaults', flags: [] },
  { name: '--max-semi-space-size=4 (the image)', flags: ['--max-semi-space-size=4'] },
  { name: '--max-semi-space-size=2', flags: ['--max-semi-space-size=2'] },
  { name: '--max-semi-space-size=2, MALLOC_ARENA_MAX=2', flags: ['--max-semi-space-size=2'], env: { MALLOC_ARENA_MAX: '2' } },
  { name: '--max-semi-space-size=1 --optimize-for-size', flags: ['--max-semi-space-size=1', '--optimize-for-size'] },
];

const dir = await mkdtemp(join(tmpdir(), 'hahaha-memory-'));
const body = join(dir, 'review.json');
writeFileSync(body, JSON.stringify({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: { uid: 'bench', operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'bench', object: {
    metadata: { name: 'p', labels: { 'hahaha.dev/bench': 'memory', app: 'main' } },
    spec: { containers: [{ name: 'main', image: 'main' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0' }, { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--quitquitquit'] }] },
  } },
}));
const load = (port: number): Promise<Load> => loadMutate({ port, ca: join(P.webhookCerts, 'ca.crt'), body, amount: REQUESTS });

console.log(`hahaha serve, webhooks and controller, from dist/ (Node ${process.version}); idle after its caches synced, then ${REQUESTS} /mutate requests from 8 connections:`);
console.log('| V8 setting | idle RSS MiB | req/s | p99 ms | RSS after load MiB | peak RSS MiB |');
console.log('|---|---|---|---|---|---|');
try {
  for (const [i, v] of VARIANTS.entries()) {
    const s = await startServer(v.name, [
      node, ...v.flags, here('../dist/src/cli/main.js'), 'serve', '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1',
      '--cert-file', join(P.webhookCerts, 'tls.crt'), '--key-file', join(P.webhookCerts, 'tls.key'),
      '--kubeconfig', P.kubeconfig('hahaha'), '--lease-namespace', 'hahaha', '--lease-name', `hahaha-memory-${i}`,
      '--selector', 'hahaha.dev/bench=memory', '--native-sidecars', 'off',
    ], { PATH: process.env.PATH, POD_NAME: `hahaha-memory-${i}`, ...v.env });
    try {
      const metricsPort = Number(/"metricsPort":(\d+)/.exec(s.log())?.[1]);
      await waitFor('the caches synced and the lease held', async () => s.log().includes('pod cache synced') && metricValue(await scrape(metricsPort), 'hahaha_leader') === 1, 60_000, 500);
      await sleep(15_000);
      const idle = rssOf(s.pid);
      const r = await load(s.port);
      console.log(`| ${v.name} | ${idle.toFixed(1)} | ${Math.round(r.rps)} | ${r.p99.toFixed(2)} | ${rssOf(s.pid).toFixed(1)} | ${peakRssOf(s.pid).toFixed(1)} |${r.errors + r.non2xx ? ` ${r.errors + r.non2xx} errors` : ''}`);
    } finally {
      await stop(s);
    }
  }
} finally {
  const { CoordinationV1Api } = await import('@kubernetes/client-node');
  const { kubeConfig } = await import('../test/e2e/cluster.ts');
  const leases = kubeConfig('admin').makeApiClient(CoordinationV1Api);
  for (const i of VARIANTS.keys()) await leases.deleteNamespacedLease({ name: `hahaha-memory-${i}`, namespace: 'hahaha' }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
