// The e2e harness of the real node: Naisjob-shaped Jobs whose pods run on Node real-node (its
// taint tolerated, images built here and never pulled), with real sidecar programs, and the
// apiserver's audit log of every exec and port-forward into a pod (what reached the containers,
// as the simkubelet's record shows it for simulated ones).

import { readFileSync } from 'node:fs';
import type { V1Container, V1Job } from '@kubernetes/client-node';
import { REAL_NODE_LABEL, REAL_NODE_TAINT } from '../../cluster/realnode/layout.ts';
import { REAL_NODE_IMAGES as IMAGES } from '../../cluster/realnode/sidecar-images.ts';
import { loadSettings } from '../../cluster/layout.ts';
import { P, naisjob, type JobOptions } from './cluster.ts';

export { IMAGES };

/** Whether the running cluster has the real node (cluster:up without --without-real-node). */
export const hasRealNode = (): boolean => loadSettings(P).settings.realNode;

/** Why the real-node tests cannot run here, or undefined. In CI the real node is required: no skip. */
export function realNodeMissing(): string | undefined {
  if (hasRealNode()) return undefined;
  if (process.env.CI) throw new Error('CI runs the real-node lane: the cluster has no real node (cluster:up --without-real-node?)');
  return 'the cluster runs without the real node (cluster:up --without-real-node)';
}

const never = { imagePullPolicy: 'Never' } as const;

/** busybox-static's sh in the busybox image. */
const sh = (script: string): Pick<V1Container, 'command'> => ({ command: ['/bin/sh', '-c', script] });

/**
 * The sidecars of a Naisjob as real processes: cloud-sql-proxy v2 built from its Go module; stand-ins
 * with the real programs' endpoints and signal handling for the rest (configmap-reload too: the Go
 * module proxy serves no version of github.com/jimmidyson/configmap-reload). configmap-reload has
 * no shutdown endpoint and no signal handler: whatever stops it, it exits non-zero (see CONFIGMAP_RELOAD).
 */
export const REAL_SIDECARS: V1Container[] = [
  // The real cloud-sql-proxy v2: --token stands in for Google credentials; it dials nothing until a client connects.
  { name: 'cloudsql-proxy', image: IMAGES.cloudSqlProxy, ...never, args: ['--quitquitquit', '--token=e2e-no-credentials', '--port=5432', 'team:europe-north1:db'] },
  { name: 'vault-agent', image: IMAGES.vaultAgent, ...never },
  { name: 'istio-proxy', image: IMAGES.pilotAgent, ...never },
];

/** configmap-reload (stand-in of v0.15.0); its catalog action is `exec /bin/killall configmap-reload` (busybox in the image). */
export const CONFIGMAP_RELOAD: V1Container = {
  name: 'secure-logs-configmap-reload',
  image: IMAGES.configmapReload,
  ...never,
  args: ['--volume-dir=/config', '--webhook-url=http://127.0.0.1:9533/-/reload'],
  volumeMounts: [{ name: 'config', mountPath: '/config' }],
};

/** A Job of naisjob()'s shape on the real node: the main container a real process that exits 0 after `seconds`. */
export function realJob(o: JobOptions & { seconds?: number; volumes?: boolean }): V1Job {
  const job = naisjob(o);
  const spec = job.spec!.template.spec!;
  const main = spec.containers[0]!;
  Object.assign(main, { image: IMAGES.busybox, ...never, ...sh(`echo working; sleep ${o.seconds ?? 3}; echo done`) });
  spec.nodeSelector = { [REAL_NODE_LABEL.key]: REAL_NODE_LABEL.value };
  spec.tolerations = [{ key: REAL_NODE_TAINT.key, operator: 'Exists', effect: REAL_NODE_TAINT.effect }];
  // pilot-agent drains 5 s (terminationDrainDuration) on SIGTERM before it exits.
  spec.terminationGracePeriodSeconds = 15;
  spec.volumes = [{ name: 'config', emptyDir: {} }];
  // No cluster DNS here: pods get the kubelet's empty resolv.conf.
  spec.dnsPolicy = 'Default';
  return job;
}

/** A busybox sidecar: `sleep` as PID 1 has no signal handler, so the kernel drops SIGINT and SIGTERM sent from inside. */
export const deaf = (name: string): V1Container => ({ name, image: IMAGES.busybox, ...never, command: ['/bin/sleep', '3600'] });

/** A busybox sidecar whose PID 1 (sh) ignores SIGINT and exits 0 on SIGTERM. */
export const ignoresInt = (name: string): V1Container => ({ name, image: IMAGES.busybox, ...never, ...sh("trap '' INT; trap 'exit 0' TERM; while true; do sleep 1; done") });

export interface Stream {
  kind: 'exec' | 'portforward' | 'attach';
  namespace: string;
  pod: string;
  container?: string;
  command?: string[];
  ports?: string;
  user: string;
  code?: number;
}

interface AuditEvent {
  stage: string;
  requestURI: string;
  objectRef?: { namespace?: string; name?: string; subresource?: string };
  user?: { username?: string };
  responseStatus?: { code?: number };
}

/** Every exec, attach and port-forward the apiserver set up into pods of `namespace`, from its audit log. */
export function streams(namespace: string): Stream[] {
  // No audit log is an error, not "nothing was sent": every empty answer must mean something.
  const text = readFileSync(P.log('audit'), 'utf8');
  const out: Stream[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(`"namespace":"${namespace}"`)) continue;
    const e = JSON.parse(line) as AuditEvent;
    const sub = e.objectRef?.subresource;
    if (e.objectRef?.namespace !== namespace || (sub !== 'exec' && sub !== 'portforward' && sub !== 'attach')) continue;
    const q = new URL(e.requestURI, 'https://apiserver').searchParams;
    out.push({
      kind: sub,
      namespace,
      pod: e.objectRef.name ?? '',
      container: q.get('container') ?? undefined,
      command: q.getAll('command').length ? q.getAll('command') : undefined,
      ports: q.getAll('ports').join(',') || undefined,
      user: e.user?.username ?? '',
      code: e.responseStatus?.code,
    });
  }
  return out;
}
