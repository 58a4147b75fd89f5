// Benchmark of the admission path (not a test): the pure mutate() on a Naisjob pod, then the real
// HTTPS service answering /mutate on loopback: two `hahaha serve --no-controller` processes, one with
// native conversion off and one with it on, driven in alternating rounds from 8 keep-alive clients in
// this process (the load on one core, the server on the other). Prints throughput, latency
// percentiles, the ratio and each server's memory; then a 1 MiB review built to be slow beside the
// Naisjob one. Bounded: a fixed number of requests, then it stops.
//
//   npm run bench            (BENCH_REQUESTS=20000 to change the count)

import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { spawn } from 'node:child_process';
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
/** `hahaha serve --no-controller` in a process of its own; its port from its start-up log line. */
async function server(native: 'on' | 'off'): Promise<{ port: number; pid: number; stop: () => void }> {
  const main = new URL('../src/cli/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'serve', '--no-controller', '--native-sidecars', native, '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1', '--cert-file', paths.cert, '--key-file', paths.key, '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH },
  });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      log += c.toString();
      const m = /"port":(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`hahaha serve exited ${code}: ${log}`)));
  });
  child.stdout.resume();
  return { port, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}
/** CPU time (user + system) of a process so far, in ms (clock ticks are 100 per second on Linux). */
const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const servers = { off: await server('off'), on: await server('on') };
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
const ROUNDS = 4;
const runs = { off: { latencies: [] as number[], ms: 0, cpu: 0 }, on: { latencies: [] as number[], ms: 0, cpu: 0 } };
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
    const cpu0 = cpuOf(servers[mode].pid);
    const r = await load(servers[mode].port, Math.ceil(REQUESTS / ROUNDS));
    runs[mode].cpu += cpuOf(servers[mode].pid) - cpu0;
    runs[mode].latencies.push(...r.latencies);
    runs[mode].ms += r.ms;
  }
}
const rate = (m: 'off' | 'on'): number => runs[m].latencies.length / (runs[m].ms / 1000);
const pct = (xs: number[], p: number): string => (xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0).toFixed(2);
console.log(`HTTPS /mutate, one hahaha serve process per mode, ${CONCURRENCY} keep-alive clients in this process, ${ROUNDS} alternating rounds of ${Math.ceil(REQUESTS / ROUNDS)} requests per server:`);
for (const m of ['off', 'on'] as const) {
  const xs = runs[m].latencies.sort((a, b) => a - b);
  console.log(`  conversion ${m.padEnd(3)}: ${Math.round(rate(m))} requests/s; latency ms p50 ${pct(xs, 50)}  p90 ${pct(xs, 90)}  p99 ${pct(xs, 99)}  max ${pct(xs, 100)}; server RSS ${rssOf(servers[m].pid).toFixed(0)} MiB`);
}
const cpuPer = (m: 'off' | 'on'): number => (runs[m].cpu * 1000) / runs[m].latencies.length;
console.log(`  server CPU per request: ${cpuPer('off').toFixed(0)} µs off, ${cpuPer('on').toFixed(0)} µs on: off/on = ${(cpuPer('off') / cpuPer('on')).toFixed(2)} (what one server core can answer, on relative to off)`);
console.log(`  on/off throughput = ${(rate('on') / rate('off')).toFixed(2)} (target: within 10 %, i.e. >= 0.90)`);
// 3. A 1 MiB AdmissionReview built to be slow (5,000 containers, 170,000 main-container names), one
// at a time, beside the Naisjob review on the same server: the bounds keep it linear and small.
const slowPod = {
  metadata: { name: 'slow', namespace: 'team-data', labels: { 'nais.io/naisjob': 'true' }, annotations: { 'hahaha.nais.io/main-container': Array.from({ length: 170_000 }, (_, i) => `c${i % 5000}`).join(',') } },
  spec: { containers: Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, image: 'busybox' })) },
};
const slowBody = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'slow', operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'team-data', object: slowPod } });
const SLOW = 40;
const one = { slow: [] as number[], naisjob: [] as number[] };
for (let i = 0; i < 5; i++) await post(servers.off.port, slowBody); // warm up
for (let i = 0; i < SLOW; i++) {
  one.slow.push(await post(servers.off.port, slowBody));
  one.naisjob.push(await post(servers.off.port, reviewBody(i)));
}
const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const worst = (xs: number[]): number => Math.max(...xs);
console.log(`A ${(slowBody.length / 1048576).toFixed(2)} MiB AdmissionReview built to be slow (5,000 containers, 170,000 main-container names), ${SLOW} one at a time beside the Naisjob review:`);
console.log(`  slow: p50 ${p50(one.slow).toFixed(1)} ms, max ${worst(one.slow).toFixed(1)} ms (target: under 50 ms); Naisjob: p50 ${p50(one.naisjob).toFixed(2)} ms; slow/Naisjob = ${(p50(one.slow) / p50(one.naisjob)).toFixed(0)}x for ${(slowBody.length / reviewBody(0).length).toFixed(0)}x the bytes`);
agent.destroy();
servers.off.stop();
servers.on.stop();
await rm(dir, { recursive: true, force: true });
