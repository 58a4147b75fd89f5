// Benchmark of the admission path (not a test): the pure mutate() on a Naisjob pod, then the real
// HTTPS service answering /mutate from 8 concurrent keep-alive clients on loopback. Prints
// throughput, latency percentiles and memory. Bounded: a fixed number of requests, then it stops.
//
//   npm run bench            (BENCH_REQUESTS=20000 to change the count)

import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { serve } from '../src/cli/serve.ts';
import { mutate, parseReview } from '../src/core/admission.ts';
import { loadConfig } from '../src/config.ts';
import { createBundle, writeBundle } from '../webhook-certs/certs.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10000);
const CONCURRENCY = 8;

const pod = parse(readFileSync(new URL('../test/fixtures/pods/naisjob.yaml', import.meta.url), 'utf8')) as { metadata: Record<string, unknown> };
const reviewBody = (i: number): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: `uid-${i}`, operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'team-data', object: pod },
  });

const config = await loadConfig({ selector: 'nais.io/naisjob=true' });
if (!config.ok) throw new Error(config.error);

// 1. The pure decision.
const parsed = parseReview(JSON.parse(reviewBody(0)));
if (!parsed.ok) throw new Error(parsed.error);
for (let i = 0; i < 2000; i++) mutate(parsed.request, config.value);
const n = 50000;
let t0 = performance.now();
for (let i = 0; i < n; i++) mutate(parsed.request, config.value);
const pureUs = ((performance.now() - t0) * 1000) / n;
console.log(`pure mutate(): ${pureUs.toFixed(1)} µs per Naisjob pod (${Math.round(1e6 / pureUs)} per second, one core)`);

// 2. The real HTTPS service.
const dir = await mkdtemp(join(tmpdir(), 'hahaha-bench-'));
const paths = await writeBundle(dir, await createBundle(['127.0.0.1']));
const server = await serve({ config: config.value, port: 0, metricsPort: 0, address: '127.0.0.1', certFile: paths.cert, keyFile: paths.key, logLevel: 'warn' });
const ca = readFileSync(paths.caCert);
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });

const post = (body: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      { host: '127.0.0.1', port: server.port, path: '/mutate', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

for (let i = 0; i < 500; i++) await post(reviewBody(i)); // warm up
const latencies: number[] = [];
let next = 0;
const rssBefore = process.memoryUsage().rss;
t0 = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) latencies.push(await post(reviewBody(next++)));
  }),
);
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(2);
const mem = process.memoryUsage();
console.log(`HTTPS /mutate: ${REQUESTS} requests, ${CONCURRENCY} keep-alive clients in the same process: ${Math.round(REQUESTS / seconds)} requests/s`);
console.log(`  latency ms (client-side, includes the client's own work): p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${pct(100)}`);
console.log(`  memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB (was ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the run), heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
agent.destroy();
await server.stop();
await rm(dir, { recursive: true, force: true });
