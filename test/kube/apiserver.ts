// A loopback HTTPS server standing in for the apiserver in the kube client's tests: a CA, a serving
// certificate for 127.0.0.1, a client certificate it accepts (not required), a record of every
// request (method, URL, headers, body, the client certificate's CN) and of connections, and a
// handler the test sets. Also a ClusterConfig that points at it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Test } from 'tap';
import { type KeyPairPem, createBundle, issueCert } from '../../webhook-certs/certs.ts';
import { type Credentials, noCredentials } from '../../src/kube/auth.ts';
import type { ClusterConfig } from '../../src/kube/config.ts';

export interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The CN of the client certificate, if one was presented. */
  readonly clientCN?: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

export interface FakeApiserver {
  readonly server: Server;
  readonly url: string;
  readonly ca: KeyPairPem;
  readonly client: KeyPairPem;
  readonly seen: Seen[];
  /** TLS connections accepted so far. */
  connections: number;
  handler: Handler;
  config(credentials?: Credentials, more?: Partial<ClusterConfig>): ClusterConfig;
}

export const json = (res: ServerResponse, code: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

export const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

let certs: Promise<{ bundle: Awaited<ReturnType<typeof createBundle>>; client: KeyPairPem }> | undefined;
/** One set of certificates for every server of a test file (ECDSA keys are quick, but not free). */
export const testCerts = () =>
  (certs ??= createBundle(['127.0.0.1']).then(async (bundle) => ({ bundle, client: await issueCert(bundle.ca, { commonName: 'jane', organizations: ['devs'], usages: ['client'] }) })));

export async function fakeApiserver(t: Test, handler: Handler = (_req, res) => json(res, 200, {})): Promise<FakeApiserver> {
  const { bundle, client } = await testCerts();
  const seen: Seen[] = [];
  const server = createServer({ cert: bundle.serving.cert, key: bundle.serving.key, ca: bundle.ca.cert, requestCert: true, rejectUnauthorized: false });
  const fake: FakeApiserver = {
    server,
    url: '',
    ca: bundle.ca,
    client,
    seen,
    connections: 0,
    handler,
    config: (credentials = noCredentials, more = {}) => ({ server: fake.url, tls: { rejectUnauthorized: true, ca: Buffer.from(bundle.ca.cert) }, credentials, source: 'test', ...more }),
  };
  server.on('secureConnection', () => fake.connections++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const cn = peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined;
      const s: Seen = { method: req.method ?? '', url: new URL(req.url ?? '/', 'https://apiserver'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), ...(cn ? { clientCN: cn } : {}) };
      seen.push(s);
      fake.handler(req, res, s);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (fake as { url: string }).url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return fake;
}
