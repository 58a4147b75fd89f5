// Benchmark of the admission path (not a test), side by side in one run on loopback:
//   1. the pure mutate() on a Naisjob pod, conversion off and on;
//   2. HTTPS servers, each in its own process under the pinned Node and pinned to one core: bare
//      node:https answering a constant, a bare fastify TLS route answering the same constant (and,
//      as a calibration, spinning 5 or 10 µs per request first), the fastify route answering
//      hahaha's own answer to the pod as a constant (the bytes without the decision), and
//      `hahaha serve --no-controller` from dist/ as the image runs it (conversion off, and on);
//      driven in rotating rounds by autocannon in another process on the other core, with the
//      Naisjob review, and for hahaha also a pod that needs no patch. Prints req/s, latency
//      percentiles, errors, CPU per request, idle and peak RSS, the ratios to bare fastify, and
//      from the spin rows what 0.80× leaves per request (before and after the answer's bytes);
//   3. a 1 MiB review built to be slow beside the Naisjob one.
// Bounded: a fixed number of requests per round, then it stops. BENCH_PROFILE=1 also takes a CPU
// profile (--cpu-prof) of the conversion-off hahaha and prints where its time goes.
//
//   npm run bench            (BENCH_REQUESTS=20000 per round to change the count)

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { parse } from 'yaml';
import { mutate, parseReview } from '../src/core/admission.ts';
import { loadConfig } from '../src/config.ts';
import { createBundle, writeBundle } from '../webhook-certs/certs.ts';
import { type Load, cpuOf, imageNodeFlags, loadMutate, peakRssOf, rssOf, startServer, stop, type Started } from './lib/proc.ts';
import { summarize } from './lib/profile.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10000);
const ROUNDS = 3;
const CONNECTIONS = 8;
const PROFILE = process.env.BENCH_PROFILE === '1';
/** The calibration: bare fastify spinning this many µs per request, to show what per-request work costs. */
const SPINS = [5, 10] as const;
const here = (p: string): string => new URL(p, import.meta.url).pathname;

const pod = parse(readFileSync(here('../test/fixtures/pods/naisjob.yaml'), 'utf8')) as { metadata: Record<string, unknown>; spec: { containers: { name: string }[] } };
const review = (object: unknown, uid = 'bench'): string =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'team-data', object } });

const { applyPatch } = fastJsonPatch;
const config = await loadConfig({ selector: 'nais.io/naisjob=true' });
if (!config.ok) throw new Error(config.error);
const NATIVE_ON = { convert: true, code: 'mode-on', reason: 'bench' } as const;

// 1. The pure decision, conversion off and on, interleaved.
const parsed = parseReview(JSON.parse(review(pod)));
if (!parsed.ok) throw new Error(parsed.error);
const converted = mutate(parsed.request, config.value, NATIVE_ON);
if (!converted.analysis?.conversion?.moves.length) throw new Error('the Naisjob pod was not converted: the benchmark would measure nothing');
/** The Naisjob pod as hahaha's own patch left it (conversion off): admitted again, it needs no patch. */
const plain = applyPatch(structuredClone(pod), [...(mutate(parsed.request, config.value).patch ?? [])] as Operation[]).newDocument;
const parsedPlain = parseReview(JSON.parse(review(plain)));
if (!parsedPlain.ok || mutate(parsedPlain.request, config.value).patch?.length) throw new Error('the patched Naisjob pod got a patch again: the no-patch case would measure something else');
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
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
console.log(`pure mutate() of a Naisjob pod: ${us(pure.off).toFixed(1)} µs with conversion off, ${us(pure.on).toFixed(1)} µs with conversion on (${converted.analysis.conversion.moves.length} sidecars moved)`);

// 2. The servers side by side.
if (!existsSync(here('../dist/src/cli/main.js'))) throw new Error('dist/ is missing: run npm run build (npm run bench does)');
const dir = await mkdtemp(join(tmpdir(), 'hahaha-bench-'));
const paths = await writeBundle(dir, await createBundle(['127.0.0.1']));
const bodies = { naisjob: join(dir, 'naisjob.json'), plain: join(dir, 'plain.json') };
writeFileSync(bodies.naisjob, review(pod));
writeFileSync(bodies.plain, review(plain));
// hahaha's own answer to the Naisjob review (conversion off), decided once: the constant of the route
// that shows what the bytes of the answer cost on their own.
const answerFile = join(dir, 'answer.json');
const answer = JSON.stringify(mutate(parsed.request, config.value).review);
writeFileSync(answerFile, answer);
const ANSWER = `fastify answering hahaha's answer as a constant (${Buffer.byteLength(answer)} B)`;
const node = process.execPath;
const hahaha = (native: 'on' | 'off', extra: string[] = []): string[] => [node, ...imageNodeFlags(), ...extra, here('../dist/src/cli/main.js'), 'serve', '--no-controller', '--native-sidecars', native, '--selector', 'nais.io/naisjob=true', '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1', '--cert-file', paths.cert, '--key-file', paths.key];
const profDir = join(dir, 'profile');
const servers: Record<string, Started> = {
  'node:https': await startServer('node:https', [node, here('servers/https.ts'), paths.cert, paths.key]),
  fastify: await startServer('fastify', [node, here('servers/fastify.ts'), paths.cert, paths.key]),
  ...Object.fromEntries(await Promise.all(SPINS.map(async (us) => [`fastify + ${us} µs`, await startServer(`fastify + ${us} µs`, [node, here('servers/fastify.ts'), paths.cert, paths.key, String(us)])] as const))),
  [ANSWER]: await startServer('fastify answer', [node, here('servers/fastify.ts'), paths.cert, paths.key, '0', answerFile]),
  'hahaha (conversion off)': await startServer('hahaha off', hahaha('off')),
  'hahaha (conversion on)': await startServer('hahaha on', hahaha('on')),
};
await new Promise((r) => setTimeout(r, 2000));
const idle = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, rssOf(s.pid)]));

const load = (port: number, body: string, amount: number): Promise<Load> => loadMutate({ port, ca: paths.caCert, body, connections: CONNECTIONS, amount });

const cases = [
  { name: 'node:https', server: 'node:https', body: bodies.naisjob },
  { name: 'fastify', server: 'fastify', body: bodies.naisjob },
  ...SPINS.map((us) => ({ name: `fastify + ${us} µs of spin per request`, server: `fastify + ${us} µs`, body: bodies.naisjob })),
  { name: ANSWER, server: ANSWER, body: bodies.naisjob },
  { name: 'hahaha /mutate, Naisjob, conversion off', server: 'hahaha (conversion off)', body: bodies.naisjob },
  { name: 'hahaha /mutate, Naisjob, conversion on', server: 'hahaha (conversion on)', body: bodies.naisjob },
  { name: 'hahaha /mutate, no patch needed', server: 'hahaha (conversion off)', body: bodies.plain },
];
for (const c of cases) await load((servers[c.server] as Started).port, c.body, 3000); // warm up: JIT, TLS sessions
const runs = new Map<string, { loads: Load[]; cpuMs: number }>(cases.map((c) => [c.name, { loads: [], cpuMs: 0 }]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order so that no case always runs first or last.
  for (let i = 0; i < cases.length; i++) {
    const c = cases[(i + round) % cases.length] as (typeof cases)[number];
    const s = servers[c.server] as Started;
    const cpu0 = cpuOf(s.pid);
    const r = await load(s.port, c.body, REQUESTS);
    const run = runs.get(c.name) as { loads: Load[]; cpuMs: number };
    run.cpuMs += cpuOf(s.pid) - cpu0;
    run.loads.push(r);
  }
}
const row = (name: string) => {
  const r = runs.get(name) as { loads: Load[]; cpuMs: number };
  const requests = r.loads.reduce((a, l) => a + l.requests, 0);
  return {
    rps: requests / r.loads.reduce((a, l) => a + l.seconds, 0),
    p50: Math.max(...r.loads.map((l) => l.p50)),
    p99: Math.max(...r.loads.map((l) => l.p99)),
    errors: r.loads.reduce((a, l) => a + l.errors + l.non2xx, 0),
    cpuUs: (r.cpuMs * 1000) / requests,
  };
};
const fastify = row('fastify').rps;
console.log(`\nHTTPS POST /mutate, ${CONNECTIONS} keep-alive connections from autocannon in its own process, ${ROUNDS} rotating rounds of ${REQUESTS} requests per case (worst round's percentiles):`);
console.log('| server | req/s | × fastify | p50 ms | p99 ms | errors | CPU µs/req | idle RSS MiB | peak RSS MiB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const c of cases) {
  const r = row(c.name);
  const s = servers[c.server] as Started;
  console.log(`| ${c.name} | ${Math.round(r.rps)} | ${(r.rps / fastify).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} | ${r.cpuUs.toFixed(0)} | ${(idle[c.server] as number).toFixed(0)} | ${peakRssOf(s.pid).toFixed(0)} |`);
}
const worst = cases.filter((c) => c.server.startsWith('hahaha')).map((c) => ({ c, r: row(c.name) }));
const minRatio = Math.min(...worst.map((w) => w.r.rps / fastify));
const maxP99 = Math.max(...worst.map((w) => w.r.p99));
const errors = worst.reduce((a, w) => a + w.r.errors, 0);
// The budget: where the spin line (ratio against µs of work) crosses 0.8×.
const spinRatios = [[0, 1], ...SPINS.map((us) => [us, row(`fastify + ${us} µs of spin per request`).rps / fastify] as const)] as const;
const [[x0, y0], [x1, y1]] = [spinRatios[0], spinRatios[spinRatios.length - 1]] as [readonly [number, number], readonly [number, number]];
/** µs of work at which the spin line reaches this ratio (undefined when the spin rows do not slope). */
const onSpinLine = (ratio: number): number | undefined => (y1 < y0 ? x0 + ((ratio - y0) * (x1 - x0)) / (y1 - y0) : undefined);
const micros = (v: number | undefined): string => (v === undefined ? 'an unknown number of' : v.toFixed(1));
const budget = onSpinLine(0.8);
console.log(`calibration: ${spinRatios.map(([us, r]) => `${us} µs of work per request → ${r.toFixed(2)}×`).join(', ')}; so 0.80× fastify leaves about ${micros(budget)} µs of per-request work on top of the bare route, everything included (the pure mutate() above takes ${us(pure.off).toFixed(1)} µs hot in a loop)`);
const answerRatio = row(ANSWER).rps / fastify;
// What is left once the answer's bytes are paid: where the spin line reaches 0.8 over that route's
// ratio (the two costs taken to multiply; an answer route faster than bare fastify is noise, and
// counts as free). None is left when the answer alone is at 0.80× or below.
const answerShare = Math.min(1, answerRatio);
const answerBudget = 0.8 / answerShare >= 1 ? 0 : onSpinLine(0.8 / answerShare);
console.log(`the answer's bytes: the bare route answering hahaha's own answer, decided for free, runs at ${answerRatio.toFixed(2)}×; what is left for reading the pod and deciding, to stay at 0.80×, is about ${micros(answerBudget)} µs per request (on the spin line, from that route's ratio, at most 1)`);
console.log(`targets: hahaha /mutate >= 0.80× fastify: ${minRatio.toFixed(2)} ${minRatio >= 0.8 ? 'met' : 'MISSED'}; p99 <= 2 ms: ${maxP99.toFixed(2)} ms ${maxP99 <= 2 ? 'met' : 'MISSED'}; no error: ${errors} ${errors === 0 ? 'met' : 'MISSED'}`);

// 3. A 1 MiB AdmissionReview built to be slow (5,000 containers, 170,000 main-container names), one
// at a time, beside the Naisjob review on the same server: the bounds keep it linear and small.
const ca = readFileSync(paths.caCert);
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
const post = (port: number, body: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
const slowPod = {
  metadata: { name: 'slow', namespace: 'team-data', labels: { 'nais.io/naisjob': 'true' }, annotations: { 'hahaha.nais.io/main-container': Array.from({ length: 170_000 }, (_, i) => `c${i % 5000}`).join(',') } },
  spec: { containers: Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, image: 'busybox' })) },
};
const slowBody = review(slowPod, 'slow');
const naisjobBody = readFileSync(bodies.naisjob, 'utf8');
const offPort = (servers['hahaha (conversion off)'] as Started).port;
const SLOW = 40;
const one = { slow: [] as number[], naisjob: [] as number[] };
for (let i = 0; i < 5; i++) await post(offPort, slowBody); // warm up
for (let i = 0; i < SLOW; i++) {
  one.slow.push(await post(offPort, slowBody));
  one.naisjob.push(await post(offPort, naisjobBody));
}
const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`\nA ${(slowBody.length / 1048576).toFixed(2)} MiB AdmissionReview built to be slow (5,000 containers, 170,000 main-container names), ${SLOW} one at a time beside the Naisjob review:`);
console.log(`  slow: p50 ${p50(one.slow).toFixed(1)} ms, max ${Math.max(...one.slow).toFixed(1)} ms (target: under 50 ms); Naisjob: p50 ${p50(one.naisjob).toFixed(2)} ms; slow/Naisjob = ${(p50(one.slow) / p50(one.naisjob)).toFixed(0)}× for ${(slowBody.length / naisjobBody.length).toFixed(0)}× the bytes`);
agent.destroy();

await Promise.all(Object.values(servers).map(stop));
if (PROFILE) {
  // A server of its own, so that the profile holds the Naisjob load alone (no start-up, no slow review).
  const profiled = await startServer('hahaha profiled', hahaha('off', ['--cpu-prof', '--cpu-prof-dir', profDir]));
  await load(profiled.port, bodies.naisjob, 3000);
  for (let round = 0; round < ROUNDS; round++) await load(profiled.port, bodies.naisjob, REQUESTS);
  await stop(profiled);
  const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no CPU profile was written');
  const { busyMs, parts } = summarize(join(profDir, file));
  console.log(`\nWhere hahaha's CPU time goes (its own server, conversion off, the Naisjob review: warm-up and start-up included; ${(busyMs / 1000).toFixed(1)} s busy, idle left out):`);
  for (const p of parts.slice(0, 12)) console.log(`  ${(p.share * 100).toFixed(1).padStart(5)} %  ${p.part}: ${p.top.map((t) => `${t.fn} ${t.ms.toFixed(0)} ms`).join('; ')}`);
}
await rm(dir, { recursive: true, force: true });
