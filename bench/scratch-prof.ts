// scratch: profile fastify bare vs hahaha with the same load
import { mkdtemp, readdir } from 'node:fs/promises';
import { writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createBundle, writeBundle } from '../webhook-certs/certs.ts';
import { startServer, stop, cpuOf, pinned } from './lib/proc.ts';
import { summarize } from './lib/profile.ts';
const dir = await mkdtemp(join(tmpdir(), 'sp-'));
const paths = await writeBundle(dir, await createBundle(['127.0.0.1']));
const pod = JSON.parse(JSON.stringify((await import('yaml')).parse(readFileSync('test/fixtures/pods/naisjob.yaml', 'utf8'))));
const body = join(dir, 'b.json');
writeFileSync(body, JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'team-data', object: pod } }));
const which = process.argv[2] ?? 'hahaha';
const extra = (process.argv[3] ?? '').split(' ').filter(Boolean);
const argv = which === 'https' ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(dir, 'p'), 'bench/servers/https.ts', paths.cert, paths.key] : which === 'fastify' ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(dir, 'p'), 'bench/servers/fastify.ts', paths.cert, paths.key]
  : [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(dir, 'p'), ...extra, 'dist/src/cli/main.js', 'serve', '--no-controller', '--native-sidecars', 'off', '--selector', 'nais.io/naisjob=true', '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1', '--cert-file', paths.cert, '--key-file', paths.key];
const s = await startServer(which, argv, { PATH: process.env.PATH, PAD: process.env.PAD ?? '0' });
const run = (n: number) => { const a = pinned('client', [process.execPath, 'bench/lib/load.ts', JSON.stringify({ url: `https://127.0.0.1:${s.port}/mutate`, ca: paths.caCert, body, connections: 8, amount: n })]); return JSON.parse(spawnSync(a[0]!, a.slice(1)).stdout.toString()); };
run(3000);
const c0 = cpuOf(s.pid);
const r = run(20000);
console.log(which, Math.round(r.rps), 'req/s', ((cpuOf(s.pid) - c0) * 1000 / 20000).toFixed(0), 'µs/req', 'p99', r.p99.toFixed(2), 'out bytes', s.log().length);
await stop(s);
const f = (await readdir(join(dir, 'p')))[0]!;
const { parts } = summarize(join(dir, 'p', f));
for (const p of parts.slice(0, 8)) console.log(`  ${(p.share * 100).toFixed(1).padStart(5)} %  ${p.part}: ${p.top.map((t) => `${t.fn} ${t.ms.toFixed(0)}`).join('; ')}`);
