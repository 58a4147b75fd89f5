// The kubelet versions of every Node, and the apiserver's version, for `--native-sidecars auto`.
// A list-watch of Nodes (reflector.ts) that keeps a name -> kubeletVersion map and nothing else of a
// Node (a Node's status is large); the apiserver's version is read again with each list. Until the
// first list has succeeded `versions` is undefined, and the caller does not convert; while the cache
// is stale (a list or watch failed, or the watch went silent) `stale` says why, and the caller does
// not convert either: a Node with an older kubelet may have joined since the versions were last seen.

import type { V1Node, V1NodeList, VersionInfo } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import { REQUEST_TIMEOUT_MS, deadline } from './api.ts';
import { type Clock, systemClock } from './clock.ts';
import { type ListWatchClient, Reflector, apiListWatch } from './reflector.ts';

/** What the cache reads: a list-watch of Nodes and the apiserver's version (a seam: tests pass a fake). */
export interface NodeApi extends ListWatchClient<V1Node> {
  /** The apiserver's gitVersion, read before each list. */
  version(signal: AbortSignal): Promise<string>;
}

export interface NodeVersionOptions {
  /** Called after every change of what is known (a node added, removed or its kubelet changed, a relist, the apiserver's version, the cache going stale or current). */
  readonly onChange: () => void;
  readonly onError: (why: string) => void;
  /** Bound on each list and version request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Relist at least this often (default 10 min). */
  readonly relistMs?: number;
  /** Seams for tests (default: the system clock; the apiserver behind the client). */
  readonly clock?: Clock;
  readonly api?: NodeApi;
}

/** The apiserver's /version and its Nodes, each request bounded by `timeout`. */
function clusterNodes(client: KubeClient, timeout: number): NodeApi {
  return {
    ...apiListWatch<V1Node>(client, '/api/v1/nodes', (signal) => client.get<V1NodeList>('/api/v1/nodes', deadline(timeout, signal))),
    version: async (signal) => (await client.get<VersionInfo>('/version', deadline(timeout, signal))).gitVersion,
  };
}

export class NodeVersions {
  private readonly opts: NodeVersionOptions;
  private readonly reflector: Reflector<V1Node>;
  private readonly map = new Map<string, string>();
  private listed = false;
  private why?: string;
  private api?: string;

  constructor(client: KubeClient, options: NodeVersionOptions) {
    this.opts = options;
    const timeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    const api = options.api ?? clusterNodes(client, timeout);
    this.reflector = new Reflector<V1Node>({
      client: {
        // The apiserver's version with every list: an upgrade of the control plane shows at the next relist.
        list: async (signal, page) => {
          const version = await api.version(signal);
          const nodes = await api.list(signal, page);
          this.api = version;
          return nodes;
        },
        watch: (resourceVersion, onEvent, onEnd, onOpen) => api.watch(resourceVersion, onEvent, onEnd, onOpen),
      },
      clock: options.clock ?? systemClock,
      requestTimeoutMs: timeout,
      relistMs: options.relistMs ?? 600_000,
      // Nothing of a Node but its name and kubelet version.
      slim: (n) => ({ metadata: { name: n.metadata?.name, resourceVersion: n.metadata?.resourceVersion }, status: { nodeInfo: { kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '' } } }) as V1Node,
      onChange: (key, node) => this.changed(key, node),
      onFreshness: (synced, why) => {
        if (synced) {
          this.listed = true;
          this.why = undefined;
        } else {
          this.why = why;
          this.opts.onError(why);
        }
        // Stale or current again, the decision changes with it.
        this.opts.onChange();
      },
    });
  }

  /** Node name -> kubelet version as last seen; undefined until the first list has succeeded. */
  get versions(): ReadonlyMap<string, string> | undefined {
    return this.listed ? this.map : undefined;
  }

  /**
   * Why the cache is not known to be current (its reflector is not synced: the last list or watch
   * failed, or the watch went silent); undefined while it is, and before anything has failed.
   */
  get stale(): string | undefined {
    if (this.reflector.synced) return undefined;
    return this.why ?? (this.listed ? 'not synced' : undefined);
  }

  /** The apiserver's gitVersion, once read. */
  get apiserver(): string | undefined {
    return this.api;
  }

  start(): void {
    this.reflector.start();
  }

  stop(): void {
    this.reflector.stop();
  }

  /** Keep the map in step with the cache; speak only when a kubelet version changed (node heartbeats do not). */
  private changed(key: string, node: V1Node | undefined): void {
    const name = key.slice(key.indexOf('/') + 1);
    const version = node?.status?.nodeInfo?.kubeletVersion;
    if (this.map.get(name) === version) return;
    if (version === undefined) this.map.delete(name);
    else this.map.set(name, version);
    if (this.listed) this.opts.onChange();
  }
}
