// The kubelet versions of every Node, and the apiserver's version, for `--native-sidecars auto`.
// Keeps a name -> kubeletVersion map and nothing else of a Node (a Node's status is large): a list
// (with the apiserver's version, read again each time), then a watch from its resourceVersion with
// bookmarks. A watch that ends cleanly or goes quiet is resumed from the last resourceVersion seen;
// 410 Gone, an error, or the 10-minute timer relists (after a jittered backoff when something
// failed), so a lost event is not lost for long. Until the first list has succeeded `versions` is
// undefined, and the caller does not convert.

import { CoreV1Api, type KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import { deadline, describeError } from './api.ts';

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

/** Ends of a watch that are no failure: the server closed it, or it was quiet longer than the client waits. */
const quietEnd = (err: unknown): boolean => !err || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));

export class NodeVersions {
  private readonly core: CoreV1Api;
  private readonly version: VersionApi;
  private readonly watcher: Watch;
  private readonly opts: NodeVersionOptions;
  private map?: Map<string, string>;
  private api?: string;
  private request?: AbortController;
  private timer?: NodeJS.Timeout;
  private relistAt = 0;
  private resourceVersion?: string;
  /** A 410 or an ERROR event arrived: the next start is a list. */
  private gone = false;
  private failures = 0;
  private stopped = false;

  constructor(kc: KubeConfig, options: NodeVersionOptions) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.version = kc.makeApiClient(VersionApi);
    // client-node ends a watch quiet for 30 s (bookmarks come about once a minute): it is resumed, not counted as failed.
    this.watcher = new Watch(kc);
    this.opts = options;
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
    void this.list();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.abort();
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    const timeout = this.opts.requestTimeoutMs ?? 10_000;
    try {
      const api = (await this.version.getCode({}, deadline(timeout))).gitVersion;
      const list = await this.core.listNode({}, deadline(timeout));
      const map = new Map<string, string>();
      for (const n of list.items as NodeLike[]) if (n.metadata?.name) map.set(n.metadata.name, n.status?.nodeInfo?.kubeletVersion ?? '');
      this.api = api;
      this.map = map;
      this.resourceVersion = list.metadata?.resourceVersion;
      this.gone = false;
      this.relistAt = Date.now() + (this.opts.relistMs ?? 600_000);
      this.opts.onChange();
    } catch (err) {
      this.again(describeError(err));
      return;
    }
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let request: AbortController | undefined;
    try {
      request = await this.watcher.watch(
        '/api/v1/nodes',
        // The server ends it after 5 minutes at most, so the relist timer is looked at that often.
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
        (type: string, obj: NodeLike & { code?: number }) => this.event(type, obj),
        (err: unknown) => {
          if (this.stopped) return;
          if ((err as { statusCode?: number } | null)?.statusCode === 410) this.gone = true;
          this.again(quietEnd(err) && !this.gone ? undefined : `node watch ended: ${err ? describeError(err) : 'the resourceVersion is too old'}`);
        },
      );
    } catch (err) {
      this.again(describeError(err));
      return;
    }
    this.request = request;
    if (this.stopped) request.abort();
  }

  private event(type: string, n: NodeLike & { code?: number }): void {
    if (type === 'ERROR') {
      // 410 Gone (or any Status): the watch cannot go on from here; the watch then ends.
      this.gone = true;
      return;
    }
    this.failures = 0;
    if (n.metadata?.resourceVersion) this.resourceVersion = n.metadata.resourceVersion;
    const name = n.metadata?.name;
    if (type === 'BOOKMARK' || !name || !this.map) return;
    if (type === 'DELETED') this.map.delete(name);
    else if (type === 'ADDED' || type === 'MODIFIED') {
      const v = n.status?.nodeInfo?.kubeletVersion ?? '';
      if (this.map.get(name) === v) return;
      this.map.set(name, v);
    } else return;
    this.opts.onChange();
  }

  /** Go on: resume the watch after a quiet end, else relist (after a jittered backoff when `why` says what failed). */
  private again(why: string | undefined): void {
    if (this.stopped) return;
    if (why) {
      this.failures++;
      this.opts.onError(why);
    }
    const relist = why !== undefined || this.gone || Date.now() >= this.relistAt;
    const backoff = why ? Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)) * (0.5 + Math.random()) : 0;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void (relist ? this.list() : this.watch()), backoff);
    this.timer.unref();
  }
}
