// Benchmark of the shutdown controller on the local control plane (not a test): one hahaha
// process of its own (own selector and Lease, hahaha's ServiceAccount token) and N Naisjob-like
// Jobs whose main containers finish together; prints how fast the sidecars are shut down, and
// hahaha's memory and CPU. Bounded: N Jobs, then it cleans up and stops.
//
//   npm run bench:controller          (BENCH_JOBS=200 to change N)

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { REPO, paths, stateDir } from '../cluster/layout.ts';

const N = Number(process.env.BENCH_JOBS ?? 100);
const P = paths(stateDir());
execFileSync(process.execPath, [join(REPO, 'cluster', 'up.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
const kc = new KubeConfig();
kc.loadFromFile(P.kubeconfig('admin'));
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);

const id = randomBytes(3).toString('hex');
const ns = `bench-${id}`;
const selector = `bench.hahaha.nais.io/run=${id}`;
await core.createNamespace({ body: { metadata: { name: ns } } });
while (!(await core.readNamespacedServiceAccount({ name: 'default', namespace: ns }).then(() => true, () => false))) await sleep(200);

const child = spawn(process.execPath, [
  join(REPO, 'src', 'cli', 'main.ts'), 'serve', '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1',
  '--cert-file', join(P.webhookCerts, 'tls.crt'), '--key-file', join(P.webhookCerts, 'tls.key'),
  '--kubeconfig', P.kubeconfig('hahaha'), '--lease-namespace', 'hahaha', '--lease-name', `bench-${id}`, '--selector', selector, '--log-level', 'info',
], { env: { PATH: process.env.PATH, POD_NAME: `bench-${id}` }, stdio: ['ignore', 'pipe', 'inherit'] });
let logs = '';
child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
const metricsPort = await (async () => {
  for (;;) {
    const m = /"metricsPort":(\d+)/.exec(logs);
    if (m) return Number(m[1]);
    await sleep(100);
  }
})();
const scrape = (): Promise<string> =>
  new Promise((resolve, reject) => get({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (res) => {
    let s = '';
    res.on('data', (c: Buffer) => (s += c.toString()));
    res.on('end', () => resolve(s));
  }).on('error', reject));
const metric = (text: string, name: string): number => Number(text.split('\n').find((l) => l.startsWith(name))?.split(' ').at(-1) ?? NaN);
const proc = (): { rssMiB: number; cpuS: number } => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 };
};
await sleep(2000);
const idle = proc();

const sidecars = [
  { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--quitquitquit'] },
  { name: 'secure-logs-fluentd', image: 'fluentd:1' },
  { name: 'vks-sidecar', image: 'vks:1' },
];
const t0 = Date.now();
for (let i = 0; i < N; i += 20) {
  await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, k) => batch.createNamespacedJob({
    namespace: ns,
    body: {
      metadata: { name: `job-${i + k}` },
      spec: { backoffLimit: 0, template: {
        metadata: { labels: { app: `job-${i + k}`, 'bench.hahaha.nais.io/run': id }, annotations: { 'sim.hahaha.nais.io/run': `job-${i + k}=15s:0` } },
        spec: { restartPolicy: 'Never', containers: [{ name: `job-${i + k}`, image: 'main:1' }, ...sidecars] },
      } },
    },
  })));
}
const created = (Date.now() - t0) / 1000;
console.log(`created ${N} Jobs with ${sidecars.length} sidecars each in ${created.toFixed(1)} s; main containers run 15 s`);
let complete = 0;
const deadline = Date.now() + 300_000;
while (complete < N && Date.now() < deadline) {
  await sleep(1000);
  complete = (await batch.listNamespacedJob({ namespace: ns })).items.filter((j) => j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).length;
}
const all = (Date.now() - t0) / 1000;
const text = await scrape();
const busy = proc();
const count = metric(text, 'hahaha_shutdown_duration_seconds_count');
const sum = metric(text, 'hahaha_shutdown_duration_seconds_sum');
const within = (le: string): number => metric(text, `hahaha_shutdown_duration_seconds_bucket{le="${le}"}`);
console.log(`${complete}/${N} Jobs complete ${all.toFixed(1)} s after the first was created`);
console.log(`shutdown duration (last main container terminated -> last sidecar terminated, second resolution): mean ${(sum / count).toFixed(2)} s over ${count} pods; ${within('1')} within 1 s, ${within('2')} within 2 s, ${within('5')} within 5 s`);
console.log(`hahaha: rss ${idle.rssMiB.toFixed(0)} MiB idle, ${busy.rssMiB.toFixed(0)} MiB after the run; CPU ${(busy.cpuS - idle.cpuS).toFixed(1)} s for ${N} pods (${(((busy.cpuS - idle.cpuS) / N) * 1000).toFixed(0)} ms per pod, webhooks not included)`);
child.kill('SIGTERM');
await core.deleteNamespace({ name: ns });
process.exit(complete === N ? 0 : 1);
