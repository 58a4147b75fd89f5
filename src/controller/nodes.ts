// The kubelet versions of every Node, and the apiserver's version, for `--native-sidecars auto`.
// Keeps a name -> kubeletVersion map and nothing else of a Node (a Node's status is large): a list,
// then a watch from its resourceVersion; any end of the watch relists after a jittered backoff,
// and a relist happens every 10 minutes anyway, so a lost event is not lost for long. Until the
// first list has succeeded `versions` is undefined, and the caller does not convert.

import { CoreV1Api, type KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import { describeError } from './api-errors.ts';

export interface NodeVersionOptions {
  /** Called after every change of what is known (a node added, removed or changed, a relist, the apiserver's version). */
  readonly onChange: () => void;
  readonly onError: (why: string) => void;
  /** Bound on each list and version request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Relist at least this often (default 10 min). */
  readonly relistMs?: number;
}

interface NodeLike {
  metadata?: { name?: string; resourceVersion?: string };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

const within = <T>(ms: number, what: string, p: Promise<T>): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000}s`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });

export class NodeVersions {
  private readonly core: CoreV1Api;
  private readonly version: VersionApi;
  private readonly watcher: Watch;
  private readonly o: NodeVersionOptions;
  private map?: Map<string, string>;
  private api?: string;
  private request?: { abort(): void };
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;

  constructor(kc: KubeConfig, o: NodeVersionOptions) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.version = kc.makeApiClient(VersionApi);
    this.watcher = new Watch(kc);
    this.o = o;
  }

  /** Node name -> kubelet version; undefined until the first list has succeeded. */
  get versions(): ReadonlyMap<string, string> | undefined {
    return this.map;
  }

  /** The apiserver's gitVersion, once read. */
  get apiserver(): string | undefined {
    return this.api;
  }

  start(): void {
    void this.cycle();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.abort();
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    const timeout = this.o.requestTimeoutMs ?? 10_000;
    try {
      if (this.api === undefined) {
        this.api = (await within(timeout, 'reading the apiserver version', this.version.getCode())).gitVersion;
        this.o.onChange();
      }
      const list = await within(timeout, 'listing nodes', this.core.listNode());
      const map = new Map<string, string>();
      for (const n of list.items as NodeLike[]) if (n.metadata?.name) map.set(n.metadata.name, n.status?.nodeInfo?.kubeletVersion ?? '');
      this.map = map;
      this.failures = 0;
      this.o.onChange();
      if (this.stopped) return;
      const relist = setTimeout(() => this.request?.abort(), this.o.relistMs ?? 600_000);
      relist.unref();
      this.request = await this.watcher.watch(
        '/api/v1/nodes',
        { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
        (type: string, obj: NodeLike) => this.event(type, obj),
        (err: unknown) => {
          clearTimeout(relist);
          this.again(err ? `node watch ended: ${describeError(err)}` : undefined);
        },
      );
    } catch (err) {
      this.again(describeError(err));
    }
  }

  private event(type: string, n: NodeLike): void {
    const name = n.metadata?.name;
    if (!name || !this.map) return;
    if (type === 'DELETED') this.map.delete(name);
    else if (type === 'ADDED' || type === 'MODIFIED') {
      const v = n.status?.nodeInfo?.kubeletVersion ?? '';
      if (this.map.get(name) === v) return;
      this.map.set(name, v);
    } else return;
    this.o.onChange();
  }

  /** Relist: at once after a clean end, after a jittered backoff after a failure. */
  private again(why: string | undefined): void {
    if (this.stopped) return;
    if (why) {
      this.failures++;
      this.o.onError(why);
    }
    const backoff = why ? Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)) * (0.5 + Math.random()) : 0;
    this.timer = setTimeout(() => void this.cycle(), backoff);
    this.timer.unref();
  }
}
