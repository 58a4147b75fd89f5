// The real service: `serve()` over HTTPS with certificates from webhook-certs/, a client that
// verifies the chain, TLS 1.2 as the floor, certificate rotation while requests are in flight
// (including a half-written pair that must not be loaded), the metrics port, and a clean stop.

import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import fastJsonPatch from 'fast-json-patch';
import t, { type Test } from 'tap';
import { createBundle, createCA, issueServing, writeBundle, type KeyPairPem } from '../../webhook-certs/certs.ts';
import { serve } from '../../src/cli/serve.ts';
import { review, uidOf } from '../admission.ts';
import { NAISJOB_ANNOTATIONS, config, pod } from '../helpers.ts';

interface Reply { status: number; body: string; fingerprint: string; protocol: string | null }

function call(port: number, ca: string, path: string, body?: unknown, tls: { maxVersion?: 'TLSv1.1' | 'TLSv1.2' } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      {
        host: '127.0.0.1', port, path, ca, agent: false, servername: 'localhost', method: data ? 'POST' : 'GET',
        headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
        ...(tls.maxVersion ? { maxVersion: tls.maxVersion, minVersion: 'TLSv1' as const } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        const protocol = socket.getProtocol();
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, fingerprint, protocol }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function setup(t: Test, more: Partial<Parameters<typeof serve>[0]> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-https-'));
  const bundle = await createBundle(['127.0.0.1', 'localhost']);
  const paths = await writeBundle(dir, bundle);
  const server = await serve({
    config: config(), port: 0, metricsPort: 0, address: '127.0.0.1',
    certFile: paths.cert, keyFile: paths.key, logLevel: 'error', certPollMs: 100, ...more,
  });
  t.teardown(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, bundle, paths, server };
}

t.test('admission over HTTPS, verified against the CA from webhook-certs', async (t) => {
  const { bundle, server } = await setup(t);
  const r = review(pod('naisjob'));
  const res = await call(server.port, bundle.ca.cert, '/mutate', r);
  t.equal(res.status, 200);
  t.equal((JSON.parse(res.body) as { response: { uid: string } }).response.uid, uidOf(r));
  t.equal(res.protocol, 'TLSv1.3');
  const other = await createCA('someone else');
  await t.rejects(call(server.port, other.cert, '/healthz'), /self-signed certificate|unable to verify/, 'a client trusting another CA refuses the server');
});

t.test('done-when: a naiserator pod with five sidecars comes back with exactly the catalog actions, and a second call gives no patch', async (t) => {
  const { bundle, server } = await setup(t);
  const p = pod('naisjob');
  delete p.metadata.annotations;
  (p.spec as { containers: unknown[] }).containers.push({ name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.11.1' });
  const first = JSON.parse((await call(server.port, bundle.ca.cert, '/mutate', review(p))).body) as { response: { patch: string; patchType: string; warnings?: string[] } };
  t.equal(first.response.patchType, 'JSONPatch');
  t.equal(first.response.warnings, undefined, 'every sidecar is known');
  const after = fastJsonPatch.applyPatch(structuredClone(p), JSON.parse(Buffer.from(first.response.patch, 'base64').toString()) as fastJsonPatch.Operation[]).newDocument;
  t.same(after.metadata.annotations, { ...NAISJOB_ANNOTATIONS, 'shutdown.hahaha.nais.io/linkerd-proxy': 'POST :4191/shutdown' });
  t.same({ ...after, metadata: { ...after.metadata, annotations: undefined } }, { ...p, metadata: { ...p.metadata, annotations: undefined } }, 'nothing but annotations changed');
  const second = JSON.parse((await call(server.port, bundle.ca.cert, '/mutate', review(after))).body) as { response: { allowed: boolean; patch?: string } };
  t.same([second.response.allowed, second.response.patch], [true, undefined]);
});

t.test('TLS 1.2 is the floor', async (t) => {
  const { bundle, server } = await setup(t);
  t.equal((await call(server.port, bundle.ca.cert, '/healthz', undefined, { maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
  await t.rejects(call(server.port, bundle.ca.cert, '/healthz', undefined, { maxVersion: 'TLSv1.1' }), /protocol|version|SSL/i);
});

t.test('plain HTTP on the webhook port gets nothing useful', async (t) => {
  const { server } = await setup(t);
  const status = await new Promise<number | string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/healthz' }, (res) => resolve(res.statusCode ?? 0));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.end();
  });
  t.not(status, 200);
});

t.test('a rotated certificate is served to new connections, with no failed request during the swap', async (t) => {
  const { bundle, paths, server } = await setup(t);
  const first = (await call(server.port, bundle.ca.cert, '/healthz')).fingerprint;

  // Keep requests flowing from 4 clients while the certificate changes under them.
  const failures: string[] = [];
  const seen = new Set<string>();
  let done = false;
  let count = 0;
  const load = Array.from({ length: 4 }, async () => {
    while (!done) {
      try {
        const res = await call(server.port, bundle.ca.cert, '/mutate', review(pod('naisjob')));
        if (res.status !== 200) failures.push(`status ${res.status}`);
        seen.add(res.fingerprint);
        count++;
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  });

  await sleep(300);
  // A half-written rotation (new certificate, old key) must not be loaded.
  const next: KeyPairPem = await issueServing(bundle.ca, ['127.0.0.1', 'localhost']);
  await writeFile(paths.cert, next.cert);
  await sleep(400);
  t.equal((await call(server.port, bundle.ca.cert, '/healthz')).fingerprint, first, 'a mismatched pair is not loaded');
  await writeFile(paths.key, next.key);
  const deadline = Date.now() + 5000;
  let now = first;
  while (now === first && Date.now() < deadline) {
    await sleep(50);
    now = (await call(server.port, bundle.ca.cert, '/healthz')).fingerprint;
  }
  await sleep(300);
  done = true;
  await Promise.all(load);
  t.not(now, first, 'the new certificate is served without a restart');
  t.same(failures, [], `no request failed (${count} requests during the rotation)`);
  t.ok(seen.has(first) && seen.has(now), 'requests were answered with both certificates');
});

const scrape = (port: number): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    }).on('error', reject).end();
  });

t.test('metrics on their own plain-HTTP port', async (t) => {
  const { bundle, server } = await setup(t);
  await call(server.port, bundle.ca.cert, '/validate', review(pod('bad-annotations')));
  const text = await scrape(server.metricsPort);
  t.match(text, 'hahaha_admission_requests_total{webhook="validate",operation="CREATE",result="denied"} 1');
  t.match(text, 'nodejs_heap_size_used_bytes');
});

t.test('--native-sidecars on: /mutate moves the sidecars, and the gauge says so; off: it does not', async (t) => {
  for (const mode of ['on', 'off'] as const) {
    const { bundle, server } = await setup(t, { native: { mode, min: { major: 1, minor: 33 } } });
    const reply = await call(server.port, bundle.ca.cert, '/mutate', review(pod('naisjob')));
    const patch = JSON.parse(Buffer.from((JSON.parse(reply.body) as { response: { patch: string } }).response.patch, 'base64').toString()) as fastJsonPatch.Operation[];
    t.equal(patch.some((o) => o.op === 'move' && o.from?.startsWith('/spec/containers/') === true), mode === 'on', `${mode}: sidecars moved or not`);
    t.match(await scrape(server.metricsPort), `hahaha_native_conversion{reason="mode-${mode}"} ${mode === 'on' ? 1 : 0}`);
  }
});

/** A POST whose headers and first half of the body are sent at once, and the rest only when `rest` resolves. */
function halfSent(port: number, ca: string, body: unknown, rest: Promise<void>): { headersIn: Promise<void>; reply: Promise<number> } {
  const data = JSON.stringify(body);
  let headersIn!: () => void;
  const sent = new Promise<void>((r) => (headersIn = r));
  const reply = new Promise<number>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/mutate', ca, agent: false, servername: 'localhost', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.on('socket', (socket) => socket.once('secureConnect', () => setTimeout(headersIn, 50)));
    req.write(data.slice(0, data.length >> 1));
    void rest.then(() => req.end(data.slice(data.length >> 1)));
  });
  return { headersIn: sent, reply };
}

t.test('stop() lets an in-flight request finish and then closes the port', async (t) => {
  const { bundle, server } = await setup(t);
  // In flight for sure: the server has the request's headers, and its body is still coming while stop() begins.
  let finish!: () => void;
  const inflight = halfSent(server.port, bundle.ca.cert, review(pod('naisjob')), new Promise<void>((r) => (finish = r)));
  await inflight.headersIn;
  const stopped = server.stop();
  await sleep(20);
  finish();
  await stopped;
  t.equal(await inflight.reply, 200);
  await t.rejects(call(server.port, bundle.ca.cert, '/healthz'), /ECONNREFUSED/);
});
