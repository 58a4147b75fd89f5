// The e2e harness: the local control plane (started with cluster:up when it is not running), API
// clients as the admin, a namespace per test, Naisjob-shaped Jobs with simulated containers,
// polling with a deadline, the simkubelet's record of what reached each container, and hahaha
// processes of a test's own (its own selector and lease, hahaha's ServiceAccount token).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, EventsV1Api, KubeConfig, type EventsV1Event, type V1Container, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { Test } from 'tap';
import { REPO, loadSettings, paths, stateDir } from '../../cluster/layout.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeconfig } from '../../src/kube/config.ts';

const NODE = process.execPath;
export const P = paths(stateDir());

let upOnce: Promise<void> | undefined;
/** Bring the cluster up (idempotent: half a second when it already is). */
export function cluster(): Promise<void> {
  upOnce ??= new Promise((resolve, reject) => {
    execFile(NODE, [join(REPO, 'cluster', 'up.ts')], { cwd: REPO, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cluster:up failed:\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
  return upOnce;
}

export function kubeConfig(user = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(P.kubeconfig(user));
  return kc;
}

export const kc = (): KubeConfig => kubeConfig();

/** hahaha's own Kubernetes client (src/kube), as `user`: what StepRunner and the controller take. */
export const kubeClient = (user = 'admin'): KubeClient => new KubeClient(loadKubeconfig([P.kubeconfig(user)]));
export const core = (): CoreV1Api => kc().makeApiClient(CoreV1Api);
export const batch = (): BatchV1Api => kc().makeApiClient(BatchV1Api);
const events = (): EventsV1Api => kc().makeApiClient(EventsV1Api);

export const ports = (): { webhook: number; metrics: number } => {
  const s = loadSettings(P).settings;
  return { webhook: s.ports.webhook, metrics: s.ports.metrics };
};

let kubectlPath: string | undefined;
/** kubectl of the pinned build as the admin, with `input` on its standard input; rejects with its stderr. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const run = (file: string, argv: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
      const child = execFile(file, argv, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
      child.stdin?.end(stdin ?? '');
    });
  if (!kubectlPath) {
    const paths = await run('bash', [join(REPO, 'cluster', 'build.sh'), '--print-paths']);
    kubectlPath = paths.stdout.split('\n').find((l) => l.startsWith('KUBECTL='))?.slice('KUBECTL='.length);
    if (!kubectlPath) throw new Error(`no KUBECTL= from cluster/build.sh: ${paths.stderr}`);
  }
  const r = await run(kubectlPath, ['--kubeconfig', P.kubeconfig('admin'), ...args], input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export const suffix = (): string => randomBytes(3).toString('hex');

/** A fresh namespace for one test, deleted afterwards. */
export async function namespace(t: Test, prefix: string): Promise<string> {
  await cluster();
  const name = `e2e-${prefix}-${suffix()}`;
  await core().createNamespace({ body: { metadata: { name } } });
  // Pods need the namespace's default ServiceAccount, which the controller manager makes.
  await waitFor(`ServiceAccount default in ${name}`, async () => (await core().readNamespacedServiceAccount({ name: 'default', namespace: name }).catch(() => undefined)) ?? false, 30_000);
  t.teardown(async () => {
    if (process.env.HAHAHA_E2E_KEEP) return;
    await core().deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/** Poll until fn returns something truthy; fail with `what` and the last value after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | false | undefined | null>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}

export interface JobOptions {
  name: string;
  namespace: string;
  /** Containers after the main one. */
  sidecars?: V1Container[];
  initContainers?: V1Container[];
  /** sim.hahaha.nais.io/run of the main container, e.g. "1s:0" or "1s:1;1s:0". */
  mainRun?: string;
  restartPolicy?: 'Never' | 'OnFailure';
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  backoffLimit?: number;
  /** Leave out nais.io/naisjob=true, for pods that only a test's own hahaha manages. */
  unmanaged?: boolean;
  /**
   * hahaha.nais.io/native-sidecars on the pod: "false" by default, so that the tests of shutdown
   * actions keep their sidecars regular whatever the cluster's mode; undefined leaves it to the cluster.
   */
  native?: 'true' | 'false' | undefined;
}

/** A Job shaped like a Naisjob: labels app, team and nais.io/naisjob, main container named after the app. */
export function naisjob(o: JobOptions): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, namespace: o.namespace, labels: { app: o.name, team: 'e2e' } },
    spec: {
      backoffLimit: o.backoffLimit ?? 0,
      template: {
        metadata: {
          labels: { app: o.name, team: 'e2e', ...(o.unmanaged ? {} : { 'nais.io/naisjob': 'true' }), ...o.labels },
          annotations: {
            'sim.hahaha.nais.io/run': `${o.name}=${o.mainRun ?? '1s:0'}`,
            ...('native' in o ? (o.native ? { 'hahaha.nais.io/native-sidecars': o.native } : {}) : { 'hahaha.nais.io/native-sidecars': 'false' }),
            ...o.annotations,
          },
        },
        spec: {
          restartPolicy: o.restartPolicy ?? 'Never',
          ...(o.initContainers ? { initContainers: o.initContainers } : {}),
          containers: [{ name: o.name, image: `ghcr.io/e2e/${o.name}:1` }, ...(o.sidecars ?? [])],
        },
      },
    },
  };
}

/** The sidecars of a Naisjob as naiserator adds them. */
export const NAISJOB_SIDECARS: V1Container[] = [
  { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--quitquitquit', '--port=5432', 'team:europe-north1:db'] },
  { name: 'secure-logs-fluentd', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/secure-logs-fluentd:1' },
  { name: 'secure-logs-configmap-reload', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/configmap-reload:v0.9.0' },
  { name: 'vks-sidecar', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/vks-sidecar:1' },
];

export async function createJob(job: V1Job): Promise<V1Job> {
  return batch().createNamespacedJob({ namespace: job.metadata?.namespace ?? 'default', body: job });
}

export async function jobState(namespace: string, name: string): Promise<'complete' | 'failed' | 'active'> {
  const j = await batch().readNamespacedJob({ name, namespace });
  const cond = (type: string): boolean => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  return cond('Complete') ? 'complete' : cond('Failed') ? 'failed' : 'active';
}

export async function waitJob(namespace: string, name: string, want: 'complete' | 'failed', timeoutMs = 60_000): Promise<void> {
  await waitFor(`Job ${namespace}/${name} ${want}`, async () => (await jobState(namespace, name)) === want, timeoutMs);
}

export async function podsOf(namespace: string, job: string): Promise<V1Pod[]> {
  return (await core().listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
}

export async function onlyPod(namespace: string, job: string): Promise<V1Pod> {
  return waitFor(`the pod of Job ${job}`, async () => {
    const pods = await podsOf(namespace, job);
    return pods.length === 1 ? pods[0] : undefined;
  });
}

/** Events hahaha (or anyone) wrote about a pod, oldest first. */
export async function podEvents(namespace: string, pod: string, reason?: string): Promise<EventsV1Event[]> {
  const list = await events().listNamespacedEvent({ namespace, fieldSelector: `regarding.name=${pod}` });
  return list.items
    .filter((e) => reason === undefined || e.reason === reason)
    .sort((a, b) => when(a).localeCompare(when(b)));
}

/** An event's time with microseconds, for ordering (creationTimestamp has whole seconds only). */
function when(e: EventsV1Event): string {
  const t = (e.eventTime as unknown) ?? e.metadata?.creationTimestamp;
  return t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '';
}

export const containerOf = (e: EventsV1Event): string | undefined => /spec\.(?:initContainers|containers)\{(.+)\}/.exec(e.regarding?.fieldPath ?? '')?.[1];

export interface SimRecord {
  time: string;
  kind: 'exec' | 'portforward';
  namespace: string;
  pod: string;
  container?: string;
  argv?: string[];
  port?: number;
  method?: string;
  path?: string;
  status?: number;
  effect: string;
}

/** What reached the simulated containers (the simkubelet's record), for one namespace. */
export function records(namespace: string): SimRecord[] {
  let text = '';
  try {
    text = readFileSync(P.simkubeletRecord, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SimRecord)
    .filter((r) => r.namespace === namespace);
}

export function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

export const metricValue = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

export interface Hahaha {
  readonly child: ChildProcess;
  readonly identity: string;
  metricsPort: number;
  logs: string;
  /** SIGKILL, as an OOM kill or a node loss would. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit status. */
  stop(): Promise<number | null>;
}

/**
 * A hahaha process of the test's own: webhooks on a free port (not registered with the
 * apiserver), the controller with hahaha's ServiceAccount token (its minimal RBAC), watching only
 * pods with the test's selector, electing a leader on the test's own Lease.
 */
export async function startHahaha(t: Test, o: { selector: string; lease: string; identity: string; args?: string[]; kubeconfig?: string }): Promise<Hahaha> {
  const child = spawn(
    NODE,
    [
      join(REPO, 'src', 'cli', 'main.ts'), 'serve', '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1',
      '--cert-file', join(P.webhookCerts, 'tls.crt'), '--key-file', join(P.webhookCerts, 'tls.key'),
      '--kubeconfig', o.kubeconfig ?? P.kubeconfig('hahaha'), '--lease-namespace', 'hahaha', '--lease-name', o.lease,
      '--selector', o.selector, '--shutdown-grace', '3s', '--retry-backoff', '1s', '--max-attempts', '3', '--log-level', 'info',
      ...(o.args ?? []),
    ],
    { env: { PATH: process.env.PATH, POD_NAME: o.identity }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const h: Hahaha = {
    child,
    identity: o.identity,
    metricsPort: 0,
    logs: '',
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
  child.stdout.on('data', (c: Buffer) => (h.logs += c.toString()));
  child.stderr.on('data', (c: Buffer) => (h.logs += c.toString()));
  t.teardown(() => h.kill());
  await waitFor(`hahaha ${o.identity} to start`, async () => {
    if (child.exitCode !== null) throw new Error(`hahaha exited ${child.exitCode}: ${h.logs}`);
    const m = /"metricsPort":(\d+)/.exec(h.logs);
    if (m) h.metricsPort = Number(m[1]);
    return m !== null && h.logs.includes('pod cache synced');
  }, 30_000);
  return h;
}

/** The identity holding a Lease in hahaha's namespace. */
export async function leaseHolder(lease: string): Promise<string | undefined> {
  const { CoordinationV1Api } = await import('@kubernetes/client-node');
  const l = await kc().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: lease, namespace: 'hahaha' }).catch(() => undefined);
  return l?.spec?.holderIdentity ?? undefined;
}
