// Where a server's CPU time goes: a V8 .cpuprofile (node --cpu-prof) summed by self time into the
// parts the admission path is made of (TLS and sockets, JSON, fastify, pino logging, prom-client
// metrics, fast-json-patch, hahaha's own decision, GC) and, within them, the heaviest functions.

import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

/** The part a frame belongs to, from its script URL and name. */
export function partOf(url: string, fn: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg === 'fastify' || pkg?.startsWith('@fastify/') || pkg === 'find-my-way' || pkg === 'avvio' || pkg === 'light-my-request' || pkg === 'secure-json-parse' || pkg === 'fast-json-stringify') return `fastify (${pkg})`;
  if (pkg === 'pino' || pkg === 'pino-std-serializers' || pkg === 'sonic-boom' || pkg === 'fast-redact' || pkg === 'thread-stream') return 'logging (pino)';
  if (pkg === 'prom-client' || pkg === 'tdigest' || pkg === 'bintrees') return 'metrics (prom-client)';
  if (pkg === 'fast-json-patch') return 'fast-json-patch';
  if (pkg) return `other package (${pkg})`;
  if (/\/src\/core\//.test(url)) return 'hahaha core (decide, patch)';
  if (/\/src\//.test(url)) return 'hahaha server';
  if (/^node:(_tls|tls|https|_http|http|net|stream|internal\/(tls|http|streams|net|stream_base))/.test(url) || /internal\/(tls|http|streams|stream_base_commons|net)/.test(url)) return 'TLS, HTTP and sockets (node)';
  if (fn === 'parse' || fn === 'stringify' || fn === 'JSONParse' || fn === 'JSONStringify') return 'JSON parse and stringify';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8 and native (program)';
  if (url.startsWith('node:') || url === '') return `node internals and native (${fn || 'anonymous'})`.replace(/ \(.*\)$/, '');
  return 'other';
}

export interface Share { part: string; ms: number; share: number; top: { fn: string; ms: number }[] }

/** Self time per part, largest first, idle left out of the shares. */
export function summarize(file: string): { busyMs: number; parts: Share[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i] as number, (self.get(p.samples[i] as number) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  const parts = new Map<string, { ms: number; fns: Map<string, number> }>();
  for (const [id, ms] of self) {
    const f = (byId.get(id) as Node).callFrame;
    const part = partOf(f.url, f.functionName);
    const e = parts.get(part) ?? { ms: 0, fns: new Map() };
    e.ms += ms;
    const fn = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist)\//, '$1/')}:${f.lineNumber + 1}`;
    e.fns.set(fn, (e.fns.get(fn) ?? 0) + ms);
    parts.set(part, e);
  }
  parts.delete('idle');
  const busyMs = [...parts.values()].reduce((a, e) => a + e.ms, 0);
  return {
    busyMs,
    parts: [...parts]
      .map(([part, e]) => ({ part, ms: e.ms, share: e.ms / busyMs, top: [...e.fns].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([fn, ms]) => ({ fn, ms })) }))
      .sort((a, b) => b.ms - a.ms),
  };
}
