// A small HTTPS client for the local cluster's probes and API calls: loopback only, TLS verified
// against a given CA, optional client certificate, a hard timeout, and no connection reuse (so
// nothing keeps the process alive after the work is done).

import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect, createServer } from 'node:net';
import { HOST } from './layout.ts';

export interface Tls {
  /** PEM CA certificate the server must chain to. */
  readonly ca: string;
  /** Client certificate and key (PEM), when the server wants one. */
  readonly cert?: string;
  readonly key?: string;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs?: number;
}

/** One request to https://127.0.0.1:port/path (or http:// when tls is undefined). Rejects on network errors and timeouts. */
export function request(port: number, path: string, tls: Tls | undefined, o: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options = {
      host: HOST,
      port,
      path,
      method: o.method ?? 'GET',
      headers: { ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
      agent: false as const,
      timeout: o.timeoutMs ?? 5000,
    };
    const req = tls
      ? httpsRequest({ ...options, ca: tls.ca, cert: tls.cert, key: tls.key })
      : httpRequest(options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeout} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function tcpAnswers(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: HOST, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

/** Whether a TLS server on 127.0.0.1:port completes a handshake with a certificate from `ca`. */
export function tlsAnswers(port: number, ca: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: HOST, port, ca });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('secureConnect', () => done(s.authorized));
    s.on('error', () => done(false));
  });
}

/** Whether this process could bind 127.0.0.1:port right now (so nobody else holds it). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: HOST, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
