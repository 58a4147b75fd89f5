// Assembles the controller half of the process: the pod watch, events, step execution and the
// reconciler; and the pieces serve shares with self-managed certificates: the kube client (src/kube),
// hahaha's own namespace and identity, and leader election.

import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../core/analysis.ts';
import { type ClusterConfig, inClusterConfig, loadKubeconfig } from '../kube/config.ts';
import { KubeClient } from '../kube/client.ts';
import type { AwaitingPods, Metrics } from '../server/metrics.ts';
import { backoffSettings } from '../core/reconcile.ts';
import { Controller } from './controller.ts';
import { EventWriter, kubeEventsApi } from './events.ts';
import { legacyReader } from './legacy.ts';
import { kubeRecordWriter } from './podstate.ts';
import { LeaderElector, kubeLeaseApi } from './leader.ts';
import { StepRunner } from './steps.ts';
import { PodCache } from './watch.ts';
import { systemClock } from './clock.ts';

export interface KubeSettings {
  readonly kubeconfig?: string | undefined;
  readonly leaseNamespace?: string | undefined;
  readonly leaseName: string;
  readonly identity?: string | undefined;
}

export interface ControllerSettings {
  readonly namespaces: readonly string[];
  /** Namespaces never watched (a field selector the apiserver applies), nor acted in. */
  readonly excludeNamespaces?: readonly string[];
  readonly graceMs: number;
  readonly stepTimeoutMs: number;
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface RunningController {
  /** Undefined when the pod cache is current, else why not (for /readyz/controller). */
  readiness(): string | undefined;
  startLeading(): void;
  stopLeading(why: string): void;
  stop(drainMs: number): Promise<void>;
}

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The user's home directory, or '' for a user without one (uid 65532 in the image has none). */
function homeOrEmpty(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/**
 * The kubeconfig: the flag's file, else in-cluster, else $KUBECONFIG (its files merged, as kubectl
 * does; those missing skipped) or ~/.kube/config. None of them is an error that says where it looked
 * (client-node's loadFromDefault falls back to http://localhost:8080 and retries forever).
 */
export function loadKubeConfig(path?: string): ClusterConfig {
  if (path) return loadKubeconfig([path]);
  if (process.env.KUBERNETES_SERVICE_HOST) return inClusterConfig();
  const home = join(process.env.HOME ?? homeOrEmpty(), '.kube', 'config');
  const files = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const present = files.filter((f) => existsSync(f));
  if (!present.length && !existsSync(home)) {
    throw new Error(
      `no cluster configuration found: no --kubeconfig, not in a cluster (KUBERNETES_SERVICE_HOST is unset), ` +
        `${files.length ? `none of $KUBECONFIG (${files.join(delimiter)}) exists` : '$KUBECONFIG is unset'}, and ${home} does not exist`,
    );
  }
  // $KUBECONFIG set: kubectl reads only its files, never ~/.kube/config.
  if (files.length && !present.length) throw new Error(`none of $KUBECONFIG (${files.join(delimiter)}) exists`);
  return loadKubeconfig(files.length ? present : [home]);
}

/** The client of the apiserver that loadKubeConfig finds, each call timed into the metrics when they are given. */
export const kubeClient = (path?: string, metrics?: Metrics): KubeClient =>
  new KubeClient(loadKubeConfig(path), metrics ? { observe: (c) => metrics.kubeRequests.observe({ verb: c.method, resource: c.resource, code: String(c.code) }, c.seconds) } : {});

export const identityOf = (s: KubeSettings): string => s.identity ?? process.env.POD_NAME ?? hostname();

/** hahaha's own namespace: the flag, else POD_NAMESPACE, else the service account's, else "default". */
export function ownNamespace(flag?: string): string {
  if (flag) return flag;
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SA_NAMESPACE, 'utf8').trim();
  } catch {
    return 'default';
  }
}

export function startController(client: KubeClient, identity: string, s: ControllerSettings, config: Config, metrics: Metrics, awaiting: AwaitingPods, log: FastifyBaseLogger): RunningController {
  const clock = systemClock;
  // Built below; the callbacks only run once the caches start.
  // eslint-disable-next-line prefer-const -- assigned once below, read by callbacks defined before it
  let controller: Controller | undefined;
  const freshness = (what: string, namespace = '*') => (synced: boolean, why: string) => {
    if (synced) {
      log.info({ what }, 'pod cache synced');
      void controller?.enqueueAll();
    } else {
      metrics.watchRestarts.inc({ namespace });
      log.warn({ what, why }, 'cache stale: acting on nothing until a list succeeds');
    }
  };
  const eventsApi = kubeEventsApi(client);
  const events = new EventWriter({
    api: eventsApi,
    clock,
    instance: identity,
    onFailure: (err, spec) => {
      metrics.eventFailures.inc({ reason: spec.reason });
      log.warn({ err, reason: spec.reason, pod: `${spec.pod.namespace}/${spec.pod.name}` }, 'could not write the event');
    },
    onDropped: () => metrics.eventsDropped.inc(),
  });
  const pods = new PodCache(client, {
    selector: config.selector.text,
    namespaces: s.namespaces,
    excludeNamespaces: s.excludeNamespaces ?? [],
    clock,
    onChange: (key) => controller?.enqueue(key),
    onFreshness: (namespace, synced, why) => freshness(`pods in ${namespace || 'all namespaces'}`, namespace || '*')(synced, why),
  });
  controller = new Controller({
    config,
    pods,
    steps: new StepRunner(client, s.stepTimeoutMs),
    events,
    records: kubeRecordWriter(client),
    legacy: legacyReader(eventsApi),
    metrics,
    awaiting,
    log,
    clock,
    retry: {
      graceMs: s.graceMs,
      stepTimeoutMs: s.stepTimeoutMs,
      ...backoffSettings(s.backoffMs ?? 5_000),
      ...(s.maxBackoffMs !== undefined ? { maxBackoffMs: s.maxBackoffMs } : {}),
      maxAttempts: s.maxAttempts,
    },
    concurrency: s.concurrency,
    dryRun: s.dryRun,
    // The kubelet gets the pod's grace period plus this margin to stop native sidecars.
    nativeMarginMs: s.graceMs,
  });
  const running = controller;
  metrics.leader.set(0);
  log.info({ identity, namespaces: s.namespaces.length ? s.namespaces : 'all', excluded: s.excludeNamespaces ?? [], dryRun: s.dryRun, apiserver: client.server, from: client.config.source }, 'starting the shutdown controller');
  running.start();
  pods.start();
  return {
    readiness: () => pods.stale,
    startLeading: () => running.startLeading(),
    stopLeading: (why) => running.stopLeading(why),
    async stop(drainMs) {
      await running.drain(drainMs);
      pods.stop();
      // What is still queued for Events gets a moment (bounded: each write has its deadline).
      await Promise.race([events.drained(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}

/** Leader election on hahaha's Lease, telling every follower (controller, certificates) when it leads. */
export function startLeaderElection(client: KubeClient, s: KubeSettings, followers: readonly { startLeading(): void; stopLeading(why: string): void }[], log: FastifyBaseLogger): LeaderElector {
  const namespace = ownNamespace(s.leaseNamespace);
  const elector = new LeaderElector({
    api: kubeLeaseApi(client, namespace, s.leaseName),
    namespace,
    name: s.leaseName,
    identity: identityOf(s),
    onStartedLeading: () => followers.forEach((f) => f.startLeading()),
    onStoppedLeading: (why) => followers.forEach((f) => f.stopLeading(why)),
    onError: (err) => log.debug({ err }, 'lease request failed'),
  });
  log.info({ identity: identityOf(s), lease: `${namespace}/${s.leaseName}` }, 'electing a leader');
  elector.start();
  return elector;
}
