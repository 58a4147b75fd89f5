// The framework's own cost: a bare fastify TLS server with one POST route that takes the JSON body
// (fastify parses it) and answers one constant AdmissionReview. Same TLS settings as hahaha's.
//   node bench/servers/fastify.ts <cert> <key>   (prints {"port":N} once listening)

import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

const [cert, key] = process.argv.slice(2);
if (!cert || !key) throw new Error('usage: fastify.ts <cert> <key>');
const answer = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'constant', allowed: true } };
const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024, https: { cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' } });
app.post('/mutate', () => Promise.resolve(answer));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
