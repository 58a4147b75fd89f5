// The pod cache: an informer per watched namespace (or one for all namespaces) over managed pods
// only (the selector goes to the apiserver, so the cache holds nothing else whatever the size of
// the cluster). client-node's informer stops on any error but 410 Gone: it is restarted here with
// jittered exponential backoff. A watch that has been silent too long is restarted too (which
// relists), and so is every watch now and then, so a lost event is never lost for long.

import { CoreV1Api, type KubeConfig, type V1Pod, makeInformer, type Informer, type ObjectCache } from '@kubernetes/client-node';
import { describeError } from './api-errors.ts';

export interface WatchOptions {
  readonly selector: string;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  readonly onChange: (key: string) => void;
  readonly onRestart: (namespace: string, why: string) => void;
  /** Restart a watch with no event for this long (default 5 min). */
  readonly silenceMs?: number;
  /** Relist at least this often (default 30 min). */
  readonly relistMs?: number;
}

export const keyOf = (pod: V1Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

interface Watch {
  readonly namespace: string;
  /** The informer whose cache is read; a restart builds a new one and swaps it in once it has listed. */
  informer?: Informer<V1Pod> & ObjectCache<V1Pod>;
  synced: boolean;
  lastEvent: number;
  started: number;
  failures: number;
  restarting?: NodeJS.Timeout;
  /** A (re)start in progress: one at a time per watch. */
  running?: boolean;
}

interface Built {
  informer: Informer<V1Pod> & ObjectCache<V1Pod>;
  /** The first error this informer reported, live or not (its start() resolves even when its list fails). */
  failed: () => unknown;
}

export class PodWatcher {
  private readonly kc: KubeConfig;
  private readonly api: CoreV1Api;
  private readonly o: WatchOptions;
  private readonly watches: Watch[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(kc: KubeConfig, o: WatchOptions) {
    this.kc = kc;
    this.api = kc.makeApiClient(CoreV1Api);
    this.o = o;
  }

  /** True once every watch has listed its pods. */
  get synced(): boolean {
    return this.watches.length > 0 && this.watches.every((w) => w.synced);
  }

  get(key: string): V1Pod | undefined {
    const [namespace = '', name = ''] = key.split('/');
    for (const w of this.watches) {
      if (w.namespace && w.namespace !== namespace) continue;
      const pod = w.informer?.get(name, namespace);
      if (pod) return pod;
    }
    return undefined;
  }

  list(): V1Pod[] {
    return this.watches.flatMap((w) => [...(w.informer?.list() ?? [])]);
  }

  /** Starts every watch; resolves when each has listed once (or failed once and is retrying). */
  async start(): Promise<void> {
    const namespaces = this.o.namespaces.length ? this.o.namespaces : [''];
    for (const namespace of namespaces) this.watches.push({ namespace, synced: false, lastEvent: Date.now(), started: Date.now(), failures: 0 });
    this.timer = setInterval(() => this.checkSilence(), 10_000);
    this.timer.unref();
    await Promise.all(this.watches.map((w) => this.run(w)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const w of this.watches) clearTimeout(w.restarting);
    await Promise.all(this.watches.map((w) => w.informer?.stop() ?? Promise.resolve()));
  }

  private build(w: Watch): Built {
    const { namespace } = w;
    const selector = this.o.selector;
    const path = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
    const list = namespace
      ? () => this.api.listNamespacedPod({ namespace, labelSelector: selector })
      : () => this.api.listPodForAllNamespaces({ labelSelector: selector });
    const informer = makeInformer<V1Pod>(this.kc, path, list, selector);
    // Only the informer in use speaks; a retired one may still call back while it stops.
    const live = (): boolean => w.informer === informer && !this.stopped;
    const seen = (pod: V1Pod): void => {
      w.lastEvent = Date.now();
      if (live()) this.o.onChange(keyOf(pod));
    };
    informer.on('add', seen);
    informer.on('update', seen);
    informer.on('delete', seen);
    informer.on('connect', () => (w.lastEvent = Date.now()));
    let error: unknown;
    informer.on('error', (err: unknown) => {
      error ??= err ?? new Error('watch ended');
      if (live()) this.restart(w, `watch failed: ${describeError(err)}`, true);
    });
    return { informer, failed: () => error };
  }

  private async run(w: Watch): Promise<void> {
    if (w.running) return;
    w.running = true;
    const { informer: next, failed } = this.build(w);
    const previous = w.informer;
    try {
      w.started = Date.now();
      w.lastEvent = Date.now();
      // Until the new informer has listed, reads keep going to the previous cache.
      if (!previous) w.informer = next;
      await next.start();
      // client-node's start() resolves even when its list or watch failed: never serve from such a cache.
      const error = failed();
      if (error !== undefined) throw error instanceof Error ? error : new Error(describeError(error));
      if (this.stopped) {
        await next.stop();
        return;
      }
      const replaced = w.informer !== next ? w.informer : undefined;
      w.informer = next;
      w.synced = true;
      w.failures = 0;
      if (replaced) await replaced.stop();
      // A (re)list may have changed anything, deletions included: look again at every pod either cache knows.
      const keys = new Set([...next.list(), ...(replaced?.list() ?? [])].map(keyOf));
      for (const key of keys) this.o.onChange(key);
    } catch (err) {
      await next.stop();
      if (previous) w.informer = previous;
      w.running = false;
      this.restart(w, `list failed: ${describeError(err)}`, true);
      return;
    }
    w.running = false;
  }

  private restart(w: Watch, why: string, failed: boolean): void {
    if (this.stopped || w.restarting) return;
    if (failed) w.failures++;
    const backoff = failed ? Math.min(30_000, 500 * 2 ** Math.min(w.failures, 6)) * (0.5 + Math.random()) : 0;
    this.o.onRestart(w.namespace, why);
    w.restarting = setTimeout(() => {
      w.restarting = undefined;
      void this.run(w);
    }, backoff);
  }

  private checkSilence(): void {
    const now = Date.now();
    for (const w of this.watches) {
      if (!w.synced || w.restarting) continue;
      if (now - w.lastEvent > (this.o.silenceMs ?? 300_000)) this.restart(w, 'silent for too long: relisting', false);
      else if (now - w.started > (this.o.relistMs ?? 1_800_000)) this.restart(w, 'periodic relist', false);
    }
  }
}

