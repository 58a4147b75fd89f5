// Talking to the local apiserver as the admin (system:masters) over verified TLS: GET as JSON and
// server-side apply. Just enough for cluster:up's waits and the objects it registers.

import { readFileSync } from 'node:fs';
import { type Tls, request } from './http.ts';
import type { Paths } from './layout.ts';

export const FIELD_MANAGER = 'hahaha-cluster-up';

export class Kube {
  readonly port: number;
  readonly tls: Tls;

  constructor(p: Paths, port: number) {
    this.port = port;
    this.tls = { ca: readFileSync(p.cert('ca'), 'utf8'), cert: readFileSync(p.cert('admin'), 'utf8'), key: readFileSync(p.key('admin'), 'utf8') };
  }

  /** GET path; undefined on 404; throws on other failures. */
  async get<T = unknown>(path: string): Promise<T | undefined> {
    const r = await request(this.port, path, this.tls, { headers: { accept: 'application/json' } });
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as T;
  }

  /** Server-side apply of one object at its own URL (force: this tool owns these fields). */
  async apply(path: string, obj: unknown): Promise<void> {
    const r = await request(this.port, `${path}?fieldManager=${FIELD_MANAGER}&force=true`, this.tls, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
      body: JSON.stringify(obj),
    });
    if (r.status !== 200 && r.status !== 201) throw new Error(`apply ${path}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
  }

  /** POST a body to path (a subresource such as serviceaccounts/x/token); the answer as JSON. */
  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    const r = await request(this.port, path, this.tls, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (r.status !== 200 && r.status !== 201) throw new Error(`POST ${path}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
    return JSON.parse(r.body) as T;
  }
}
