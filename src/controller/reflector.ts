// A list-then-watch cache of one kind of object, the way client-go's reflector keeps one: list,
// then watch from the list's resourceVersion with bookmarks, resume a watch that ended quietly from
// the last resourceVersion seen, relist on 410 Gone, on any failure (after a jittered backoff) and
// now and then. A list is read in pages of LIST_PAGE objects, as client-go's pager does, each
// slimmed before the next is asked for: 10,000 pods are never one response in memory, nor parsed
// in one piece; a continue token that expires mid-list (410) falls back to one whole list. What it knows of its own freshness is explicit:
// - `synced` is true only while the cache is known to be current: from a successful list until a
//   list or watch fails, or the watch goes silent. A stale cache is still readable, but callers
//   must not act on it.
// - Silence is measured by what only the apiserver can send: an event, a BOOKMARK, or its
//   acceptance of a watch from the last resourceVersion. A quiet watch of a resource without a
//   watch cache gets no bookmarks (Events: kube-apiserver's DefaultWatchCacheSizes), yet the
//   apiserver ends it after WATCH_SECONDS and accepts the next one from where it left off, which
//   proves it reachable and the resourceVersion still valid (else 410, and a relist): so a healthy
//   watch is never silent for long, with or without bookmarks. A partition shows as watches that
//   fail or are never answered, a compaction as 410.
// The client (list, watch) is a seam: tests drive a fake one.

import type { KubeClient } from '../kube/client.ts';
import { watch } from '../kube/watch.ts';
import type { Clock } from './clock.ts';
import { describeError } from './api.ts';

export interface Listed<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
  /** There is more: ask again with this token (a paged list). */
  readonly continue?: string;
}

/** One page of a list: at most `limit` objects, from where `continue` left off. Absent: the whole list at once. */
export interface ListPage {
  readonly limit: number;
  readonly continue?: string;
}

export interface ListWatchClient<T> {
  list(signal: AbortSignal, page?: ListPage): Promise<Listed<T>>;
  /**
   * Watch from resourceVersion; `onOpen` once the apiserver accepted it, `onEnd` once, with the
   * error if it failed.
   */
  watch(resourceVersion: string, onEvent: (type: string, obj: T) => void, onEnd: (err: unknown) => void, onOpen?: () => void): Promise<{ abort(): void }>;
}

export interface ObjectMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface ReflectorOptions<T> {
  readonly client: ListWatchClient<T>;
  readonly clock: Clock;
  /** Called for every object that changed, was added or removed (with undefined). */
  readonly onChange: (key: string, obj: T | undefined) => void;
  /** The cache is current again (a list succeeded) or no longer is (why). */
  readonly onFreshness?: (synced: boolean, why: string) => void;
  /** Keep only what is needed of an object (default: all of it). */
  readonly slim?: (obj: T) => T;
  readonly requestTimeoutMs?: number;
  /** No event, no bookmark and no accepted watch for this long: the watch is stale (default 90 s). */
  readonly silenceMs?: number;
  /** Relist at least this often (default 30 min). */
  readonly relistMs?: number;
  /** Objects per page of a list (default LIST_PAGE). */
  readonly pageSize?: number;
}

/**
 * Objects per page of a list. client-go's pager asks for 500; here a page is parsed into JS objects
 * that outlive a few scavenges (measured with 2 MiB semi-spaces; the image now has 4) and are promoted before they are
 * slimmed, so smaller pages keep the heap a cold start grows: beside 10,000 managed pods, RSS peaked
 * at 166–181 MiB with pages of 100 against 194–197 MiB with 500, synced in the same 1.6 s (exp. in
 * the README's Performance section).
 */
export const LIST_PAGE = 100;

/** Seconds each watch asks the apiserver for: it ends the watch then, with a bookmark 2 s before. */
export const WATCH_SECONDS = 25;

export const keyOf = (o: ObjectMeta): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Ends of a watch that are no failure: the server closed it, or the client's inactivity timer did. */
const quietEnd = (err: unknown): boolean => !err || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));

export class Reflector<T extends ObjectMeta> {
  private readonly opts: ReflectorOptions<T>;
  private store = new Map<string, T>();
  private resourceVersion = '';
  private fresh = false;
  private lastHeard = 0;
  private relistAt = 0;
  private failures = 0;
  private gone = false;
  private request?: { abort(): void };
  private listing?: AbortController;
  private cancelTimer?: () => void;
  private cancelSilence?: () => void;
  /** Bumped on each (re)start, so callbacks of an abandoned watch are ignored. */
  private generation = 0;
  private stopped = false;

  constructor(options: ReflectorOptions<T>) {
    this.opts = options;
  }

  /** The cache is known to be current. */
  get synced(): boolean {
    return this.fresh;
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<T> {
    return this.store.values();
  }

  get size(): number {
    return this.store.size;
  }

  start(): void {
    this.watchSilence();
    void this.list();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelSilence?.();
    this.listing?.abort();
    this.request?.abort();
  }

  /** Not current: said on every failure (a cache that never listed has failures to tell too). */
  private stale(why: string): void {
    this.fresh = false;
    this.opts.onFreshness?.(false, why);
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.request?.abort();
    this.listing = new AbortController();
    const timeout = this.opts.requestTimeoutMs ?? 10_000;
    const after = new Map<string, T>();
    let resourceVersion = '';
    // Each page has its own deadline; undefined `page` asks for the whole list (after an expired token).
    const limit = this.opts.pageSize ?? LIST_PAGE;
    let page: ListPage | undefined = { limit };
    for (;;) {
      let listed: Listed<T>;
      try {
        listed = await this.opts.client.list(AbortSignal.any([this.listing.signal, AbortSignal.timeout(timeout)]), page);
      } catch (err) {
        if (generation !== this.generation) return;
        if (page?.continue !== undefined && (err as { statusCode?: number } | null)?.statusCode === 410) {
          // The snapshot the token stood for is compacted away: start again, in one piece (client-go does the same).
          after.clear();
          page = undefined;
          continue;
        }
        this.again(`list failed: ${describeError(err)}`);
        return;
      }
      if (this.stopped || generation !== this.generation) return;
      for (const item of listed.items) after.set(keyOf(item), this.opts.slim ? this.opts.slim(item) : item);
      resourceVersion = listed.resourceVersion;
      if (page === undefined || !listed.continue) break;
      page = { limit, continue: listed.continue };
    }
    const before = this.store;
    this.store = after;
    this.resourceVersion = resourceVersion;
    this.gone = false;
    this.failures = 0;
    this.lastHeard = this.opts.clock.now();
    this.relistAt = this.lastHeard + (this.opts.relistMs ?? 1_800_000);
    // A list may have changed anything, deletions included; then the cache is current.
    for (const [key, obj] of after) if (before.get(key)?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.opts.onChange(key, obj);
    for (const key of before.keys()) if (!after.has(key)) this.opts.onChange(key, undefined);
    if (!this.fresh) {
      this.fresh = true;
      this.opts.onFreshness?.(true, 'listed');
    }
    void this.watch(generation);
  }

  private async watch(generation: number): Promise<void> {
    if (this.stopped || generation !== this.generation) return;
    try {
      const request = await this.opts.client.watch(
        this.resourceVersion,
        (type, obj) => {
          if (generation === this.generation) this.event(type, obj);
        },
        (err) => {
          if (generation !== this.generation || this.stopped) return;
          if ((err as { statusCode?: number } | null)?.statusCode === 410) this.gone = true;
          if (quietEnd(err) && !this.gone) this.again(undefined);
          else this.again(`watch ended: ${err ? describeError(err) : 'the resourceVersion is too old'}`);
        },
        () => {
          if (generation === this.generation) this.lastHeard = this.opts.clock.now();
        },
      );
      if (generation !== this.generation || this.stopped) request.abort();
      else this.request = request;
    } catch (err) {
      if (generation === this.generation) this.again(`watch failed: ${describeError(err)}`);
    }
  }

  private event(type: string, obj: T & { code?: number }): void {
    if (type === 'ERROR') {
      // 410 Gone (or another Status): the watch cannot go on from here; it ends next.
      this.gone = true;
      return;
    }
    this.lastHeard = this.opts.clock.now();
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const key = keyOf(obj);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.opts.onChange(key, undefined);
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      const slim = this.opts.slim ? this.opts.slim(obj) : obj;
      this.store.set(key, slim);
      this.opts.onChange(key, slim);
    }
  }

  /** Go on: resume the watch after a quiet end, else relist (after a jittered backoff when `why` says what failed). */
  private again(why: string | undefined): void {
    if (this.stopped) return;
    if (why) {
      this.failures++;
      this.stale(why);
    }
    // A stale cache only becomes current by a list: a watch resumed after a quiet end (say, one that
    // ended just after the silence check made the cache stale) would leave it stale for good.
    const relist = why !== undefined || this.gone || !this.fresh || this.opts.clock.now() >= this.relistAt;
    const backoff = why ? Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)) * (0.5 + Math.random()) : 0;
    this.cancelTimer?.();
    const generation = this.generation;
    this.cancelTimer = this.opts.clock.after(backoff, () => void (relist ? this.list() : this.watch(generation)));
  }

  /** A watch that has heard nothing from the apiserver (no event, bookmark or accepted watch) for silenceMs is stale: relist. */
  private watchSilence(): void {
    const silenceMs = this.opts.silenceMs ?? 90_000;
    const check = (): void => {
      if (this.stopped) return;
      if (this.fresh && this.opts.clock.now() - this.lastHeard > silenceMs) {
        this.stale(`nothing from the apiserver for ${Math.round(silenceMs / 1000)}s`);
        // list() abandons the silent watch (a new generation) and aborts it.
        this.cancelTimer?.();
        this.cancelTimer = this.opts.clock.after(0, () => void this.list());
      }
      this.cancelSilence = this.opts.clock.after(Math.min(10_000, silenceMs / 3), check);
    };
    this.cancelSilence = this.opts.clock.after(Math.min(10_000, silenceMs / 3), check);
  }
}

/** The apiserver side of a ListWatchClient: a list call with its deadline, and a watch with bookmarks (src/kube/watch.ts). */
export function apiListWatch<T>(
  client: KubeClient,
  path: string,
  list: (signal: AbortSignal, page: { limit?: number; continue?: string }) => Promise<{ items: T[]; metadata?: { resourceVersion?: string; continue?: string } }>,
  labelSelector?: string,
  fieldSelector?: string,
): ListWatchClient<T> {
  return {
    async list(signal, page) {
      const l = await list(signal, page ? { limit: page.limit, ...(page.continue !== undefined ? { continue: page.continue } : {}) } : {});
      return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '', ...(l.metadata?.continue ? { continue: l.metadata.continue } : {}) };
    },
    watch: (resourceVersion, onEvent, onEnd, onOpen) =>
      Promise.resolve(
        watch(client, path, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS, ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) }, (type, obj) => onEvent(type, obj as T), onEnd, onOpen ? { onOpen } : {}),
      ),
  };
}
