// The pod cache: a list-watch (reflector.ts) per watched namespace, or one for all namespaces,
// over managed pods only (the selector goes to the apiserver, so the cache holds nothing else
// whatever the size of the cluster). It is synced only while every reflector is current: a failed
// list or watch, or a silent watch, makes it stale until a list succeeds, and the controller does
// not act on a stale cache. A change is told key by key, except the pods of the first list: then
// the whole cache is new, and onFreshness says it is current.

import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { cachedPod } from '../core/pod.ts';
import { type KubeClient, apiPath } from '../kube/client.ts';
import { REQUEST_TIMEOUT_MS, deadline } from './api.ts';
import type { Clock } from './clock.ts';
import { Reflector, apiListWatch } from './reflector.ts';

export interface WatchOptions {
  readonly selector: string;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  /** Never these (the apiserver leaves them out by field selector, from its watch cache). */
  readonly excludeNamespaces?: readonly string[];
  readonly clock: Clock;
  readonly onChange: (key: string) => void;
  /** A namespace's cache became current again (synced) or stale (why). */
  readonly onFreshness: (namespace: string, synced: boolean, why: string) => void;
  readonly requestTimeoutMs?: number;
}

/** The cache keeps only what the controller reads of a pod (core/pod.ts cachedPod): a fraction of its size. */
const slim = (pod: V1Pod): V1Pod => cachedPod(pod) as V1Pod;

export class PodCache {
  private readonly reflectors: { namespace: string; reflector: Reflector<V1Pod> }[];

  constructor(client: KubeClient, options: WatchOptions) {
    const timeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    const labelSelector = options.selector;
    const excluded = new Set(options.excludeNamespaces ?? []);
    const fieldSelector = [...excluded].map((ns) => `metadata.namespace!=${ns}`).join(',') || undefined;
    const namespaces = options.namespaces.filter((ns) => !excluded.has(ns));
    if (options.namespaces.length && !namespaces.length) throw new Error(`--namespaces ${options.namespaces.join(',')}: every one of them is excluded by --exclude-namespaces`);
    this.reflectors = (namespaces.length ? namespaces : ['']).map((namespace) => {
      const path = namespace ? apiPath`/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
      // One namespace needs no exclusion; all of them do.
      const fields = namespace ? undefined : fieldSelector;
      /** The first list is in. */
      let listed = false;
      const reflector = new Reflector<V1Pod>({
        client: apiListWatch<V1Pod>(client, path, (signal, page) => client.get<V1PodList>(path, { ...deadline(timeout, signal), query: { labelSelector, ...(fields ? { fieldSelector: fields } : {}), ...page } }), labelSelector, fields),
        clock: options.clock,
        slim,
        requestTimeoutMs: timeout,
        // The first list is followed at once by onFreshness, after which the controller looks at
        // every pod: a key at a time here would only repeat that, in one long turn of the event
        // loop (10,000 pods blocked it for about 60 ms on a cold start). A later list tells what
        // it changed key by key, as a watch does: few keys, and each moves ahead of the resync.
        onChange: (key, pod) => {
          if (pod && !listed) return;
          options.onChange(key);
        },
        onFreshness: (synced, why) => {
          if (synced) listed = true;
          options.onFreshness(namespace, synced, why);
        },
      });
      return { namespace, reflector };
    });
  }

  /** Every namespace's cache is current. */
  get synced(): boolean {
    return this.reflectors.every((r) => r.reflector.synced);
  }

  /** Why the cache is not current, if it is not (for the controller's readiness). */
  get stale(): string | undefined {
    const behind = this.reflectors.filter((r) => !r.reflector.synced).map((r) => r.namespace || 'all namespaces');
    return behind.length ? `the pod cache is not current (${behind.join(', ')})` : undefined;
  }

  get(key: string): V1Pod | undefined {
    const namespace = key.slice(0, key.indexOf('/'));
    for (const r of this.reflectors) {
      if (r.namespace && r.namespace !== namespace) continue;
      const pod = r.reflector.get(key);
      if (pod) return pod;
    }
    return undefined;
  }

  *list(): IterableIterator<V1Pod> {
    for (const r of this.reflectors) yield* r.reflector.values();
  }

  start(): void {
    for (const r of this.reflectors) r.reflector.start();
  }

  stop(): void {
    for (const r of this.reflectors) r.reflector.stop();
  }
}
