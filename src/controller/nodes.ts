// The kubelet versions of every Node, and the apiserver's version, for `--native-sidecars auto`.
// A list-watch of Nodes (reflector.ts) that keeps a name -> kubeletVersion map and nothing else of a
// Node (a Node's status is large); the apiserver's version is read again with each list. Until the
// first list has succeeded `versions` is undefined, and the caller does not convert.

import type { V1Node, V1NodeList, VersionInfo } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import { REQUEST_TIMEOUT_MS, deadline } from './api.ts';
import { systemClock } from './clock.ts';
import { Reflector, apiListWatch } from './reflector.ts';

export interface NodeVersionOptions {
  /** Called after every change of what is known (a node added, removed or its kubelet changed, a relist, the apiserver's version). */
  readonly onChange: () => void;
  readonly onError: (why: string) => void;
  /** Bound on each list and version request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Relist at least this often (default 10 min). */
  readonly relistMs?: number;
}

export class NodeVersions {
  private readonly opts: NodeVersionOptions;
  private readonly reflector: Reflector<V1Node>;
  private readonly map = new Map<string, string>();
  private listed = false;
  private api?: string;

  constructor(client: KubeClient, options: NodeVersionOptions) {
    this.opts = options;
    const timeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    const list = async (signal: AbortSignal) => {
      // The apiserver's version with every list: an upgrade of the control plane shows at the next relist.
      const api = (await client.get<VersionInfo>('/version', deadline(timeout, signal))).gitVersion;
      const nodes = await client.get<V1NodeList>('/api/v1/nodes', deadline(timeout, signal));
      this.api = api;
      return nodes;
    };
    this.reflector = new Reflector<V1Node>({
      client: apiListWatch<V1Node>(client, '/api/v1/nodes', list),
      clock: systemClock,
      requestTimeoutMs: timeout,
      relistMs: options.relistMs ?? 600_000,
      // Nothing of a Node but its name and kubelet version.
      slim: (n) => ({ metadata: { name: n.metadata?.name, resourceVersion: n.metadata?.resourceVersion }, status: { nodeInfo: { kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '' } } }) as V1Node,
      onChange: (key, node) => this.changed(key, node),
      onFreshness: (synced, why) => {
        if (synced) {
          this.listed = true;
          this.opts.onChange();
        } else this.opts.onError(why);
      },
    });
  }

  /** Node name -> kubelet version; undefined until the first list has succeeded. */
  get versions(): ReadonlyMap<string, string> | undefined {
    return this.listed ? this.map : undefined;
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
