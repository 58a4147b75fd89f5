// Requests to the apiserver: JSON over node:https (node:http for an http:// server) on one
// keep-alive agent per client. Every call takes an AbortSignal, its deadline (see controller/api.ts
// `deadline`): an abort destroys the request and rejects with the signal's reason (a TimeoutError
// for a deadline). A call the apiserver refuses rejects with an ApiError (errors.ts). A request
// that finds its kept-alive connection closed by the server is sent again once, when it is a GET.
// Also the TLS and auth options for a WebSocket to the apiserver (exec, port-forward: streams.ts).
// Each call that is not a stream is reported to `observe` (a metric): method, resource, status,
// seconds until its whole answer was read.

import { Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type SecureContext, createSecureContext } from 'node:tls';
import type { ClusterConfig } from './config.ts';
import { ApiError } from './errors.ts';

/** What every call takes: its signal (the deadline) and extra headers (a patch's Content-Type). */
export interface CallOptions {
  readonly signal: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestSpec extends CallOptions {
  readonly query?: Query;
  readonly body?: unknown;
}

export const PATCH_TYPES: readonly string[] = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];

/** One call, for a metric: its method, the resource its path names (resourceOf), its status (0: no whole answer), seconds until its answer was read. */
export interface CallRecord {
  readonly method: string;
  readonly resource: string;
  readonly code: number;
  readonly seconds: number;
}

export interface ClientOptions {
  readonly observe?: (call: CallRecord) => void;
}

/**
 * The resource a request path names, for a metric label: `/api/v1/namespaces/x/pods/y` is "pods",
 * `/apis/events.k8s.io/v1/events` "events", `/api/v1/namespaces/x/pods/y/eviction` "pods/eviction",
 * `/api/v1/namespaces/x` "namespaces", `/version` "version". Read by position, the names left
 * where they are (an empty namespace or name is a segment too), so that an object's name never
 * becomes the resource; names must be encoded (apiPath). The metric maps anything outside the
 * resources hahaha calls to "other" (server/labels.ts).
 */
export function resourceOf(path: string): string {
  const parts = (path.split('?')[0] ?? '').split('/');
  // parts[0] is what comes before the leading slash.
  const start = parts[1] === 'api' ? 3 : parts[1] === 'apis' ? 4 : -1;
  if (start < 0) return parts[1] ?? '';
  const i = parts[start] === 'namespaces' && parts.length > start + 2 ? start + 2 : start;
  const resource = parts[i] ?? '';
  const sub = parts[i + 2];
  return sub ? `${resource}/${sub}` : resource;
}

/** Idle kept-alive connections are closed after this, before a load balancer would drop them. */
const IDLE_SOCKET_MS = 30_000;

/** A request path whose interpolated parts are URL-encoded: apiPath`/api/v1/namespaces/${ns}/pods/${name}`. */
export const apiPath = (parts: TemplateStringsArray, ...values: string[]): string => parts.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(values[i] as string) : ''), '');

/** What a WebSocket to the apiserver needs (the options of ws, which passes them to https.request). */
export interface SocketOptions {
  /** The CA and client certificate, made into a context once and shared by every socket. */
  secureContext: SecureContext;
  rejectUnauthorized: boolean;
  servername?: string;
  headers: Record<string, string | string[]>;
}

/** Why a signal aborted, as an Error (a TimeoutError for AbortSignal.timeout). */
export const abortReason = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new DOMException(String(signal.reason ?? 'aborted'), 'AbortError'));

// Read as text as it arrives (the decoder keeps a character split between chunks whole): a list's
// chunks are not held as Buffers until the end, where they would outlive their use in native memory.
const readBody = (res: IncomingMessage, signal: AbortSignal): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    const onAbort = (): void => {
      res.destroy();
      reject(abortReason(signal));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    res.on('data', (c: string) => (body += c));
    res.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(body);
    });
    res.on('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(signal.aborted ? abortReason(signal) : e);
    });
  });

export class KubeClient {
  readonly config: ClusterConfig;
  private readonly secure: boolean;
  private readonly agent: HttpAgent;
  /** The WebSockets' TLS context, for the client certificate it was made with. */
  private context?: { cert: Buffer | string | undefined; key: Buffer | string | undefined; context: SecureContext };

  private readonly observe: ((call: CallRecord) => void) | undefined;

  constructor(config: ClusterConfig, options: ClientOptions = {}) {
    this.config = config;
    this.observe = options.observe;
    this.secure = config.server.startsWith('https:');
    const { ca, cert, key, rejectUnauthorized, servername } = config.tls;
    this.agent = this.secure
      ? new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, rejectUnauthorized, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(servername ? { servername } : {}) })
      : new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  }

  /** The apiserver's URL. */
  get server(): string {
    return this.config.server;
  }

  get<T>(path: string, options: CallOptions & { readonly query?: Query }): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  create<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  replace<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  /** A patch: its Content-Type (one of PATCH_TYPES) comes with the options' headers. */
  patch<T>(path: string, body: unknown, options: CallOptions): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  /** One call; resolves with the parsed JSON answer (undefined for an empty one). */
  async request<T>(method: string, path: string, spec: RequestSpec): Promise<T> {
    const started = performance.now();
    let code = 0;
    let text: string;
    try {
      const res = await this.send(method, path, spec);
      text = await readBody(res, spec.signal);
      code = res.statusCode ?? 0;
    } finally {
      try {
        this.observe?.({ method, resource: resourceOf(path), code, seconds: (performance.now() - started) / 1000 });
      } catch {
        // A metric never changes how a call went.
      }
    }
    if (code < 200 || code >= 300) throw new ApiError(`${method} ${path}`, code, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${method} ${path}: HTTP ${code} with a body that is not JSON: ${text.slice(0, 100)}`);
    }
  }

  /** A streaming GET (a watch): resolves with the response once its head says 200; the caller reads and ends it. */
  async open(path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
    const started = performance.now();
    let code = 0;
    let res: IncomingMessage;
    try {
      res = await this.send('GET', path, { query, signal });
      code = res.statusCode ?? 0;
    } finally {
      try {
        // Timed to its answer's head: what a watch costs the apiserver to start, counted as one request.
        this.observe?.({ method: 'WATCH', resource: resourceOf(path), code, seconds: (performance.now() - started) / 1000 });
      } catch {
        // A metric never changes how a call went.
      }
    }
    if (code === 200) return res;
    throw new ApiError(`GET ${path}`, code, await readBody(res, signal));
  }

  /** TLS and auth for a WebSocket to this apiserver. */
  async socketOptions(): Promise<SocketOptions> {
    const auth = await this.config.credentials.authorize();
    const { ca, cert, key, rejectUnauthorized, servername } = this.config.tls;
    const headers: Record<string, string | string[]> = { ...this.impersonation() };
    if (auth.header) headers.Authorization = auth.header;
    // One context for every step's socket: made per connection from ca, cert and key, each is an
    // OpenSSL store in native memory that V8 does not see or count.
    const [c, k] = [auth.cert ?? cert, auth.key ?? key];
    let made = this.context;
    if (!made || made.cert !== c || made.key !== k) {
      made = { cert: c, key: k, context: createSecureContext({ ...(ca ? { ca } : {}), ...(c ? { cert: c } : {}), ...(k ? { key: k } : {}) }) };
      this.context = made;
    }
    return { secureContext: made.context, rejectUnauthorized, headers, ...(servername ? { servername } : {}) };
  }

  /** Close the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private impersonation(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(this.config.headers ?? {})) out[k] = typeof v === 'string' ? v : [...v];
    return out;
  }

  private url(path: string, query?: Query): URL {
    const url = new URL(this.config.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Send one request; resolves with the response head, whatever its status. */
  private async send(method: string, path: string, spec: RequestSpec, retried = false): Promise<IncomingMessage> {
    const { signal } = spec;
    if (signal.aborted) throw abortReason(signal);
    const auth = await this.config.credentials.authorize();
    if (signal.aborted) throw abortReason(signal);
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const headers: OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': 'hahaha', ...this.impersonation() };
    if (auth.header) headers.Authorization = auth.header;
    if (body) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = body.length;
    }
    for (const [k, v] of Object.entries(spec.headers ?? {})) {
      // One Content-Type, whatever the caller's spelling.
      if (k.toLowerCase() === 'content-type') delete headers['Content-Type'];
      headers[k] = v;
    }
    if (method === 'PATCH') {
      const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
      if (!PATCH_TYPES.includes(String(type))) throw new Error(`PATCH ${path}: the Content-Type must be one of ${PATCH_TYPES.join(', ')}, not ${String(type)}`);
    }
    const url = this.url(path, spec.query);
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (this.secure ? httpsRequest : httpRequest)(url, {
        method,
        agent: this.agent,
        headers,
        // A client certificate from an exec plugin: the agent pools connections by certificate.
        ...(auth.cert ? { cert: auth.cert } : {}),
        ...(auth.key ? { key: auth.key } : {}),
      });
      const onAbort = (): void => {
        req.destroy();
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        signal.removeEventListener('abort', onAbort);
        resolve(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return reject(abortReason(signal));
        // The server closed a kept-alive connection as this request went out on it: nothing reached it.
        if (!retried && method === 'GET' && req.reusedSocket && err.code === 'ECONNRESET') return resolve(this.send(method, path, spec, true));
        reject(err);
      });
      req.end(body);
    });
  }
}
