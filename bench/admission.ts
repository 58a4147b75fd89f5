// Benchmark of the admission path (not a test): the pure mutate() on a Naisjob pod, then the real
// HTTPS service answering /mutate from 8 concurrent keep-alive clients on loopback; each with native
// conversion off and on, side by side in one run, with the ratio. Prints throughput, latency
// percentiles and memory. Bounded: a fixed number of requests, then it stops.
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

const NATIVE_ON = { convert: true, code: 'mode-on', reason: 'bench' } as const;

// 1. The pure decision, conversion off and on, interleaved.
const parsed = parseReview(JSON.parse(reviewBody(0)));
if (!parsed.ok) throw new Error(parsed.error);
const converted = mutate(parsed.request, config.value, NATIVE_ON);
if (!converted.analysis?.conversion?.moves.length) throw new Error('the Naisjob pod was not converted: the benchmark would measure nothing');
for (let i = 0; i < 2000; i++) {
  mutate(parsed.request, config.value);
  mutate(parsed.request, config.value, NATIVE_ON);
}
const n = 25000;
const pure = { off: 0, on: 0 };
for (let round = 0; round < 4; round++) {
  let t0 = performance.now();
  for (let i = 0; i < n; i++) mutate(parsed.request, config.value);
  pure.off += performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) mutate(parsed.request, config.value, NATIVE_ON);
  pure.on += performance.now() - t0;
}
const us = (ms: number): number => (ms * 1000) / (4 * n);
console.log(`pure mutate() of a Naisjob pod: ${us(pure.off).toFixed(1)} µs with conversion off, ${us(pure.on).toFixed(1)} µs with conversion on (${converted.analysis.conversion.moves.length} sidecars moved): on/off = ${(pure.on / pure.off).toFixed(2)}`);

// 2. The real HTTPS service: one server with conversion off, one with it on, measured in alternating rounds.
const dir = await mkdtemp(join(tmpdir(), 'hahaha-bench-'));
const paths = await writeBundle(dir, await createBundle(['127.0.0.1']));
const base = { config: config.value, port: 0, metricsPort: 0, address: '127.0.0.1', certFile: paths.cert, keyFile: paths.key, logLevel: 'warn' };
const servers = {
  off: await serve({ ...base, native: { mode: 'off', min: { major: 1, minor: 33 } } }),
  on: await serve({ ...base, native: { mode: 'on', min: { major: 1, minor: 33 } } }),
};
const ca = readFileSync(paths.caCert);
const agent = new Agent({ keepAlive: true, maxSockets: 2 * CONCURRENCY, ca });

const post = (port: number, body: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      { host: '127.0.0.1', port, path: '/mutate', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/** `count` requests from CONCURRENCY keep-alive clients; the latencies and the wall time. */
async function load(port: number, count: number): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) latencies.push(await post(port, reviewBody(next++)));
    }),
  );
  return { latencies, ms: performance.now() - t0 };
}

for (const s of Object.values(servers)) await load(s.port, 500); // warm up
const rssBefore = process.memoryUsage().rss;
const ROUNDS = 4;
const runs = { off: { latencies: [] as number[], ms: 0 }, on: { latencies: [] as number[], ms: 0 } };
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
    const r = await load(servers[mode].port, Math.ceil(REQUESTS / ROUNDS));
    runs[mode].latencies.push(...r.latencies);
    runs[mode].ms += r.ms;
  }
}
const rate = (m: 'off' | 'on'): number => runs[m].latencies.length / (runs[m].ms / 1000);
const pct = (xs: number[], p: number): string => (xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0).toFixed(2);
console.log(`HTTPS /mutate, ${CONCURRENCY} keep-alive clients in the same process, ${ROUNDS} alternating rounds of ${Math.ceil(REQUESTS / ROUNDS)} requests per server:`);
for (const m of ['off', 'on'] as const) {
  const xs = runs[m].latencies.sort((a, b) => a - b);
  console.log(`  conversion ${m.padEnd(3)}: ${Math.round(rate(m))} requests/s; latency ms p50 ${pct(xs, 50)}  p90 ${pct(xs, 90)}  p99 ${pct(xs, 99)}  max ${pct(xs, 100)}`);
}
console.log(`  on/off throughput = ${(rate('on') / rate('off')).toFixed(2)} (target: within 10 %, i.e. >= 0.90)`);
const mem = process.memoryUsage();
console.log(`  memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB (was ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the run), heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
agent.destroy();
await servers.off.stop();
await servers.on.stop();
await rm(dir, { recursive: true, force: true });
