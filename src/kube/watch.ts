// A watch: GET with watch=true (and the caller's resourceVersion, allowWatchBookmarks,
// timeoutSeconds, labelSelector), its body read as newline-delimited JSON events, each given to a
// callback as (type, object); `done` is called once: with null when the apiserver ends the watch,
// else with what ended it: an ApiError for a refused watch (410 Gone included, as `code` and
// `statusCode`), a TimeoutError when nothing arrived for idleMs (as client-node's Watch had it:
// the reflector counts that as a quiet end and watches again), an AbortError on abort(), an event
// that is not JSON, or the connection's error. A line may come in any number of chunks.

import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { KubeClient, Query } from './client.ts';

/** A watch event larger than this ends the watch with an error (objects are at most ~1.5 MiB in etcd). */
export const MAX_EVENT_CHARS = 64 * 1024 * 1024;

/** Splits a byte stream into lines; a line (or a UTF-8 character) may be split across chunks. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private readonly max: number;
  private parts: string[] = [];
  private size = 0;

  constructor(maxChars = MAX_EVENT_CHARS) {
    this.max = maxChars;
  }

  /** The lines this chunk completes. */
  push(chunk: Buffer): string[] {
    const text = this.decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.parts.push(text.slice(start, nl));
      lines.push(this.parts.join(''));
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    if (start < text.length) {
      this.parts.push(text.slice(start));
      this.size += text.length - start;
      if (this.size > this.max) throw new Error(`a watch event longer than ${this.max} characters`);
    }
    return lines;
  }

  /** What is left after the last newline, if anything. */
  end(): string | undefined {
    const rest = this.parts.join('') + this.decoder.end();
    this.parts = [];
    this.size = 0;
    return rest || undefined;
  }
}

export interface WatchHandle {
  abort(): void;
}

export interface WatchOptions {
  /** No byte for this long ends the watch with a TimeoutError (default 30 s). */
  readonly idleMs?: number;
  readonly maxEventChars?: number;
  /** The apiserver accepted the watch (its answer's head says 200): it is reachable and the resourceVersion still valid. */
  readonly onOpen?: () => void;
}

export function watch(
  client: KubeClient,
  path: string,
  query: Query,
  onEvent: (type: string, object: unknown) => void,
  done: (err: unknown) => void,
  options: WatchOptions = {},
): WatchHandle {
  const idleMs = options.idleMs ?? 30_000;
  const controller = new AbortController();
  let res: IncomingMessage | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = (err: unknown): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller.abort(err ?? new DOMException('the watch ended', 'AbortError'));
    res?.destroy();
    done(err);
  };
  const idle = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => finish(new DOMException(`nothing from the watch for ${idleMs / 1000}s`, 'TimeoutError')), idleMs);
    timer.unref();
  };
  const lines = new LineSplitter(options.maxEventChars);
  const deliver = (line: string): void => {
    if (!line.trim()) return;
    let event: { type?: unknown; object?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      throw new Error(`watch ${path}: an event that is not JSON: ${line.slice(0, 100)}`);
    }
    if (typeof event?.type !== 'string') throw new Error(`watch ${path}: an event without a type: ${line.slice(0, 100)}`);
    onEvent(event.type, event.object);
  };
  idle();
  client.open(path, { ...query, watch: true }, controller.signal).then(
    (r) => {
      if (finished) {
        r.destroy();
        return;
      }
      res = r;
      idle();
      options.onOpen?.();
      r.on('data', (chunk: Buffer) => {
        if (finished) return;
        idle();
        try {
          for (const line of lines.push(chunk)) {
            deliver(line);
            if (finished) return;
          }
        } catch (e) {
          finish(e);
        }
      });
      r.on('end', () => {
        if (finished) return;
        try {
          const rest = lines.end();
          if (rest) deliver(rest);
          finish(null);
        } catch (e) {
          finish(e);
        }
      });
      r.on('error', (e) => finish(e));
      r.on('close', () => finish(null));
    },
    (e: unknown) => finish(e),
  );
  return { abort: () => finish(new DOMException('the watch was aborted', 'AbortError')) };
}
