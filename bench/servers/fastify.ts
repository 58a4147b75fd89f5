// The framework's own cost: a bare fastify TLS server with one POST route that takes the JSON body
// (fastify parses it) and answers one constant AdmissionReview. Same TLS settings as hahaha's.
// With a third argument it first spins that many microseconds per request (pure CPU, no
// allocation): the benchmark's calibration of what a fixed amount of per-request work costs.
// With a fourth, a JSON file, it answers that constant instead (hahaha's own answer to the pod,
// decided once): what the bytes of the answer cost, with no decision at all.
//   node bench/servers/fastify.ts <cert> <key> [spin-µs] [answer.json]   (prints {"port":N} once listening)

import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [cert, key, spin, answerFile] = process.argv.slice(2);
if (!cert || !key) throw new Error('usage: fastify.ts <cert> <key> [spin-µs] [answer.json]');
const spinMs = Number(spin ?? 0) / 1000;
if (!(spinMs >= 0)) throw new Error(`spin-µs: expected a number of microseconds, got ${JSON.stringify(spin)}`);
const answer: unknown = answerFile
  ? JSON.parse(readFileSync(answerFile, 'utf8'))
  : { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'constant', allowed: true } };
const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024, https: { cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' } });
app.post('/mutate', () => {
  if (spinMs > 0) for (const end = performance.now() + spinMs; performance.now() < end; );
  return Promise.resolve(answer);
});
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
