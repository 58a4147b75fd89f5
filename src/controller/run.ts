// Assembles the controller half of the process: the pod watch, events, step execution and the
// reconciler; and the pieces serve shares with self-managed certificates: the kube client, hahaha's
// own namespace and identity, and leader election.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../core/analysis.ts';
import type { AwaitingPods, Metrics } from '../server/metrics.ts';
import { Controller } from './controller.ts';
import { EventRecorder } from './events.ts';
import { LeaderElector } from './leader.ts';
import { StepRunner } from './steps.ts';
import { PodWatcher } from './watch.ts';

export interface KubeSettings {
  readonly kubeconfig?: string | undefined;
  readonly leaseNamespace?: string | undefined;
  readonly leaseName: string;
  readonly identity?: string | undefined;
}

export interface ControllerSettings {
  readonly namespaces: readonly string[];
  readonly graceMs: number;
  readonly stepTimeoutMs: number;
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface RunningController {
  /** Undefined when the pod cache is synced, else why not (for /readyz). */
  readiness(): string | undefined;
  startLeading(): void;
  stopLeading(why: string): void;
  stop(drainMs: number): Promise<void>;
}

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

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

export function startController(kc: KubeConfig, identity: string, s: ControllerSettings, config: Config, metrics: Metrics, awaiting: AwaitingPods, log: FastifyBaseLogger): RunningController {
  const events = new EventRecorder(
    kc,
    (err, spec) => {
      metrics.eventFailures.inc({ reason: spec.reason });
      log.warn({ err, reason: spec.reason, pod: `${spec.pod.namespace}/${spec.pod.name}` }, 'could not write the event');
    },
    identity,
  );
  const controller = new Controller({
    config,
    // The watcher is built below; the controller only reads it once events flow.
    pods: { get: (k) => watcher.get(k), list: () => watcher.list() },
    steps: new StepRunner(kc, s.stepTimeoutMs),
    events,
    metrics,
    awaiting,
    log,
    graceMs: s.graceMs,
    maxAttempts: s.maxAttempts,
    concurrency: s.concurrency,
    dryRun: s.dryRun,
    // The kubelet gets the pod's grace period plus this margin to stop native sidecars.
    nativeMarginMs: s.graceMs,
    ...(s.backoffMs ? { backoffMs: s.backoffMs } : {}),
    ...(s.maxBackoffMs ? { maxBackoffMs: s.maxBackoffMs } : {}),
  });
  const watcher: PodWatcher = new PodWatcher(kc, {
    selector: config.selector.text,
    namespaces: s.namespaces,
    onChange: (key) => controller.enqueue(key),
    onRestart: (namespace, why) => {
      metrics.watchRestarts.inc({ namespace: namespace || '*' });
      log.warn({ namespace: namespace || '*', why }, 'restarting the pod watch');
    },
  });
  metrics.leader.set(0);
  log.info({ identity, namespaces: s.namespaces.length ? s.namespaces : 'all', dryRun: s.dryRun }, 'starting the shutdown controller');
  void watcher.start().then(() => log.info({ pods: watcher.list().length }, 'pod cache synced'));
  return {
    readiness: () => (watcher.synced ? undefined : 'the pod cache is not synced yet'),
    startLeading: () => controller.startLeading(),
    stopLeading: (why) => controller.stopLeading(why),
    async stop(drainMs) {
      await controller.drain(drainMs);
      await watcher.stop();
    },
  };
}

/** Leader election on hahaha's Lease, telling every follower (controller, certificates) when it leads. */
export function startLeaderElection(kc: KubeConfig, s: KubeSettings, followers: readonly { startLeading(): void; stopLeading(why: string): void }[], log: FastifyBaseLogger): LeaderElector {
  const namespace = ownNamespace(s.leaseNamespace);
  const elector = new LeaderElector(kc, {
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
