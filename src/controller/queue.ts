// The work queue, as client-go's workqueue: one entry per key however often it is added; a key
// being processed is never handed to a second worker (added meanwhile, it is processed again
// after); addAfter keeps the earliest deadline of a key; failures back off per key, exponentially,
// until forget(key). Keys of a periodic resync wait in a lane of their own (addBackground), behind
// every key a change added, so that a resync of thousands of pods does not delay the pod whose main
// containers just finished. A bounded number of workers take keys and share the turns of the event
// loop (`LoopPacer`): together they run for a few milliseconds, then let I/O in, so a burst of keys
// never starves the webhook that shares the loop, however many workers there are. How long each key
// waited to be taken, by lane, goes to `onTaken` (a metric).

import { performance } from 'node:perf_hooks';
import type { Clock } from './clock.ts';

export interface QueueOptions {
  readonly clock: Clock;
  /** Per-key backoff after a failure: base, doubling up to max (default 500 ms to 5 min). */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A key was taken by a worker after waiting this long in its lane (0: a worker was waiting for it). */
  readonly onTaken?: (waitedMs: number, lane: Lane) => void;
}

/** The lanes: keys a change added, and keys of a periodic resync. */
export type Lane = 'change' | 'resync';

/** What a worker says after processing a key. */
export interface Processed {
  /** Process the key again after this long (the earliest of several wins). */
  readonly requeueAfterMs?: number;
}

/**
 * Keys in the order they were added, each with when: taken from the front, removed from anywhere.
 * An array and a map rather than one Map: a Map taken from the front keeps its deleted entries
 * until it shrinks, and each look for the first entry walks past them, which made 10,000 keys
 * cost 13 ms and 50,000 cost 350 ms (against 0.6 and 3.4 ms this way).
 */
export class FifoLane {
  /** Key -> when it was added, and which entry of `order` is its own (older entries are stale). */
  private readonly members = new Map<string, { at: number; seq: number }>();
  private order: { key: string; seq: number }[] = [];
  private head = 0;
  private seq = 0;
  readonly name: Lane;

  constructor(name: Lane) {
    this.name = name;
  }

  get size(): number {
    return this.members.size;
  }

  has(key: string): boolean {
    return this.members.has(key);
  }

  /** Add the key at the back with its time, unless it is in the lane already (it keeps its place and time). */
  add(key: string, at: number): void {
    if (this.members.has(key)) return;
    const seq = ++this.seq;
    this.members.set(key, { at, seq });
    this.order.push({ key, seq });
  }

  delete(key: string): void {
    this.members.delete(key);
  }

  /** Take the key at the front, with when it was added. */
  shift(): { key: string; at: number } | undefined {
    while (this.head < this.order.length) {
      const { key, seq } = this.order[this.head++] as { key: string; seq: number };
      const m = this.members.get(key);
      if (m?.seq !== seq) continue; // removed, or removed and added again further back
      this.members.delete(key);
      this.compact();
      return { key, at: m.at };
    }
    this.clear();
    return undefined;
  }

  clear(): void {
    this.members.clear();
    this.order = [];
    this.head = 0;
  }

  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}

export class WorkQueue {
  private readonly opts: Required<Omit<QueueOptions, 'onTaken'>> & Pick<QueueOptions, 'onTaken'>;
  private readonly ready = new FifoLane('change');
  /** Ready too, but taken only when `ready` is empty (resync). */
  private readonly background = new FifoLane('resync');
  private readonly processing = new Set<string>();
  /** Added while processing: processed again once done. */
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private closed = false;

  constructor(options: QueueOptions) {
    this.opts = { baseBackoffMs: 500, maxBackoffMs: 300_000, ...options };
  }

  /** Keys waiting or delayed (for a gauge). */
  get depth(): number {
    return this.ready.size + this.background.size + this.delayed.size;
  }

  /** Keys ready to be taken now. */
  get readyNow(): number {
    return this.ready.size + this.background.size;
  }

  /** Add the key behind every key that add() brought (a resync's); add() later moves it ahead. */
  addBackground(key: string): void {
    if (this.closed || this.ready.has(key) || this.delayed.has(key)) return;
    this.hand(key, this.background);
  }

  add(key: string): void {
    if (this.closed) return;
    this.background.delete(key);
    const later = this.delayed.get(key);
    if (later) {
      later.cancel();
      this.delayed.delete(key);
    }
    this.hand(key, this.ready);
  }

  /** To a waiting worker, else into `lane` (keeping when it was first added); a key being processed is processed again after. */
  private hand(key: string, lane: FifoLane): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      this.opts.onTaken?.(0, lane.name);
      waiter(key);
    } else lane.add(key, this.opts.clock.now());
  }

  /** Add the key after ms; an earlier deadline for the key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    if (this.ready.has(key) || this.background.has(key)) return;
    const at = this.opts.clock.now() + ms;
    const current = this.delayed.get(key);
    if (current && current.at <= at) return;
    current?.cancel();
    const cancel = this.opts.clock.after(ms, () => {
      if (this.delayed.get(key)?.cancel !== cancel) return;
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** The key failed: add it again after its backoff, which doubles with each failure. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const ms = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** n);
    this.addAfter(key, ms);
    return ms;
  }

  /** The key succeeded: its backoff starts again from the base. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to process if one is ready now (synchronously); undefined otherwise. */
  take(): string | undefined {
    for (const lane of [this.ready, this.background]) {
      const next = lane.shift();
      if (next) {
        const { key, at } = next;
        this.processing.add(key);
        this.opts.onTaken?.(Math.max(0, this.opts.clock.now() - at), lane.name);
        return key;
      }
    }
    return undefined;
  }

  /** The next key to process, once there is one; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of the key is over: if it was added meanwhile, it is ready again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Take no more keys: waiting workers get undefined; delayed keys are dropped. */
  shutDown(): void {
    this.closed = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    this.ready.clear();
    this.background.clear();
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Drop every key and timer but stay open (leadership lost: the next leader starts from the cluster). */
  clear(): void {
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    this.ready.clear();
    this.background.clear();
    this.dirty.clear();
    this.failures.clear();
  }
}

/** How long the workers together may run in one turn of the event loop before they let I/O in. */
export const TURN_BUDGET_MS = 4;

/**
 * The workers' share of the event loop. Right before it processes a key, a worker asks `spent()`,
 * synchronously, and while it is true waits for `nextTurn()` (one setImmediate for all of them),
 * where the budget starts again. The check must be synchronous and right before the work: workers
 * that resume together each check in turn, and each one's work runs before the next one checks. A
 * yield per worker would not do: the immediates of 100 workers all run in the same turn, 100 keys
 * back to back (a cold start beside 10,000 pods blocked the loop for 22 ms that way). Wall time,
 * not the controller's clock: this paces CPU, it decides nothing.
 */
export class LoopPacer {
  private readonly budgetMs: number;
  private readonly now: () => number;
  private turnStart: number;
  private next: Promise<void> | undefined;

  constructor(budgetMs = TURN_BUDGET_MS, now: () => number = () => performance.now()) {
    if (!(budgetMs > 0)) throw new Error(`LoopPacer: the budget must be more than 0 ms, got ${budgetMs}`);
    this.budgetMs = budgetMs;
    this.now = now;
    this.turnStart = now();
  }

  /** This turn has had its budget (or the pacer has not seen a turn begin for that long). */
  spent(): boolean {
    return this.now() - this.turnStart >= this.budgetMs;
  }

  nextTurn(): Promise<void> {
    this.next ??= new Promise((resolve) =>
      setImmediate(() => {
        this.next = undefined;
        this.turnStart = this.now();
        resolve();
      }),
    );
    return this.next;
  }
}

/**
 * Run `workers` loops that take keys and process them, sharing the event loop's turns through one
 * pacer; resolves when the queue is shut down and every loop has finished its key.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  process: (key: string) => Promise<Processed>,
  onError: (key: string, err: unknown, retryMs: number) => void,
  pacer: LoopPacer = new LoopPacer(),
): Promise<void> {
  const loop = async (): Promise<void> => {
    for (;;) {
      // Wait for a turn with budget before taking a key, so that no key is held while it waits (a
      // change added meanwhile still goes ahead of the resync's keys); then take it synchronously.
      // Only a key handed to a waiting worker (the queue was empty) can find the turn spent.
      while (pacer.spent()) await pacer.nextTurn();
      const key = queue.take() ?? (await queue.get());
      if (key === undefined) return;
      while (pacer.spent()) await pacer.nextTurn();
      try {
        const r = await process(key);
        queue.forget(key);
        queue.done(key);
        if (r.requeueAfterMs !== undefined) queue.addAfter(key, r.requeueAfterMs);
      } catch (err) {
        queue.done(key);
        onError(key, err, queue.addRateLimited(key));
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
