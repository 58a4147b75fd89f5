// Carrying out one step of a shutdown action through the Kubernetes API:
// - HTTP: a port-forward to the pod's port (src/kube/streams.ts, as client-node's PortForward: one
//   TCP connection per WebSocket) with one HTTP/1.1 request on it (Host: localhost, Connection:
//   close); 2xx works.
// - exec: client-node's Exec (src/kube/streams.ts) with the argv, no shell, no stdin, no TTY; the
//   exit status arrives on channel 3 after the socket opened: a non-zero exit or a missing status
//   is a failure.
// Both are bounded by a timeout and by an abort signal (leadership lost, shutting down). A result
// says whether the step may have worked all the same (`maybe`): the request got through, the answer
// did not.

import { request } from 'node:http';
import { Duplex, PassThrough, Writable } from 'node:stream';
import type { V1Status } from '@kubernetes/client-node';
import type { ExecStep, HttpStep } from '../core/action.ts';
import type { KubeClient } from '../kube/client.ts';
import { type Socket, exec, portForward } from '../kube/streams.ts';
import { describeError } from './api.ts';

export interface StepResult {
  readonly ok: boolean;
  /** What happened, for events and logs: "HTTP 200", "exit code 1: ...", "timed out after 10s". */
  readonly detail: string;
  /**
   * Failed without an answer after the request reached the sidecar (the connection dropped, no
   * exit status, no answer in time): the step may have worked, as when a sidecar dies before it
   * answers. The container's state decides, within the grace period.
   */
  readonly maybe?: boolean;
}

export interface StepTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

const MAX_TEXT = 300;
const clip = (s: string): string => {
  const t = s.trim().replace(/\s+/g, ' ');
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT)}…` : t;
};

/** One HTTP/1.1 request over an already connected stream; resolves with the status code. */
export function httpOverStream(stream: Duplex, step: HttpStep, signal: AbortSignal): Promise<StepResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: StepResult): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
      resolve(r);
    };
    const req = request(
      {
        method: step.method,
        path: step.path,
        headers: { Host: 'localhost', Connection: 'close', 'User-Agent': 'hahaha', 'Content-Length': '0' },
        createConnection: () => stream,
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < MAX_TEXT) body += c;
        });
        const finish = (): void => {
          const ok = status >= 200 && status < 300;
          done({ ok, detail: `HTTP ${status}${ok || !body ? '' : `: ${clip(body)}`}` });
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    req.on('error', (e) => done(signal.aborted ? { ok: false, maybe: true, detail: `aborted: ${String(signal.reason)}` } : { ok: false, maybe: true, detail: `HTTP request failed: ${e.message}` }));
    req.end();
  });
}

export class StepRunner {
  private readonly client: KubeClient;
  private readonly timeoutMs: number;

  constructor(client: KubeClient, timeoutMs: number) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  async http(t: StepTarget, step: HttpStep, abort: AbortSignal): Promise<StepResult> {
    const signal = AbortSignal.any([abort, AbortSignal.timeout(this.timeoutMs)]);
    const output = new PassThrough();
    const input = new PassThrough();
    let errors = '';
    const errStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        errors += chunk.toString();
        cb();
      },
    });
    let socket: Socket;
    const opening = portForward(this.client, t.namespace, t.pod, step.port, output, errStream, input);
    try {
      // The WebSocket upgrade has no timeout of its own: bound it by the step's.
      socket = await Promise.race([
        opening,
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(new Error('timed out or aborted'));
          signal.addEventListener('abort', () => reject(new Error(abort.aborted ? `aborted: ${String(abort.reason)}` : `no connection within ${this.timeoutMs / 1000}s`)), { once: true });
        }),
      ]);
    } catch (e) {
      // A connection that opens after all is closed at once.
      void opening.then((late) => late.close(), () => undefined);
      return { ok: false, detail: `port-forward to :${step.port} failed: ${errorText(e)}` };
    }
    socket.on('close', () => output.end());
    const stream = Duplex.from({ readable: output, writable: input });
    try {
      const r = await httpOverStream(stream, step, signal);
      // The kubelet could not connect to the port: the request never reached the sidecar.
      if (!r.ok && errors) return { ok: false, detail: `port-forward to :${step.port}: ${clip(errors)}` };
      if (!r.ok && signal.aborted && !abort.aborted) return { ok: false, maybe: true, detail: `no answer within ${this.timeoutMs / 1000}s` };
      return r;
    } finally {
      socket.close();
    }
  }

  exec(t: StepTarget, step: ExecStep, abort: AbortSignal): Promise<StepResult> {
    return new Promise((resolve) => {
      let out = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (out.length < MAX_TEXT) out += chunk.toString();
          cb();
        },
      });
      // client-node's Exec ends the streams when the status arrives; a late frame must not crash the process.
      sink.on('error', () => undefined);
      let status: V1Status | undefined;
      let socket: { close(): void } | undefined;
      let settled = false;
      const finish = (r: StepResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort.removeEventListener('abort', onAbort);
        socket?.close();
        resolve(r);
      };
      const timer = setTimeout(() => finish({ ok: false, maybe: true, detail: `no exit status within ${this.timeoutMs / 1000}s` }), this.timeoutMs);
      const onAbort = (): void => finish({ ok: false, maybe: true, detail: `aborted: ${String(abort.reason)}` });
      abort.addEventListener('abort', onAbort);
      exec(this.client, t.namespace, t.pod, t.container, step.argv, sink, sink, null, false, (s) => {
        status = s;
        finish(fromStatus(s, out));
      }).then(
        (ws) => {
          socket = ws;
          if (settled) ws.close();
          ws.on('close', () => finish(status ? fromStatus(status, out) : { ok: false, maybe: true, detail: `the connection closed without an exit status${out ? `: ${clip(out)}` : ''}` }));
        },
        (e: unknown) => finish({ ok: false, detail: `exec failed: ${errorText(e)}` }),
      );
    });
  }
}

/** The exit status that the kubelet sends on channel 3. */
export function fromStatus(status: V1Status, output = ''): StepResult {
  if (status.status === 'Success') return { ok: true, detail: 'exit code 0' };
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  const tail = output ? `: ${clip(output)}` : '';
  if (status.reason === 'NonZeroExitCode' && code !== undefined) return { ok: false, detail: `exit code ${code}${tail}` };
  return { ok: false, detail: `${clip(status.message ?? status.reason ?? 'exec failed')}${tail}` };
}

/** An error, clipped for an event note. */
const errorText = (e: unknown): string => clip(describeError(e));
