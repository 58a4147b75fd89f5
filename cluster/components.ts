// The components of the local cluster, in start order: how each is started (argv, environment,
// the files it needs) and how to tell it is up (its health endpoint over verified TLS). Shared by
// cluster:up (start and wait), cluster:status (probe) and cluster:down (ports to check).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { type Binaries } from './binaries.ts';
import { request, tcpAnswers, type Tls } from './http.ts';
import { HOST, NODE_LABEL, REPO, SERVICE_CIDR, CLUSTER_NAME, type Paths, type PortName, type Settings } from './layout.ts';
import { kubeconfigText } from './pki.ts';
import { containerdArgv, containerdConfig, containerdHealth, ensureRealNodePki, kubeletArgv, kubeletConfig, kubeletHealth, kubeletKubeconfig, NO_REGISTRY_ENV, writeRealNodeFiles } from './realnode/node.ts';
import { realNodePaths } from './realnode/layout.ts';
import { sandboxBinary, sandboxDir, sandboxFile, sandboxWritableDir, sandboxWritableFile, wrapPrefix } from './sandbox.ts';

export const COMPONENT_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'simkubelet', 'containerd', 'kubelet', 'hahaha'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** The ports each component listens on. */
export const COMPONENT_PORTS: Readonly<Record<ComponentName, readonly PortName[]>> = {
  etcd: ['etcd', 'etcdPeer'],
  'kube-apiserver': ['apiserver'],
  'kube-controller-manager': ['controllerManager'],
  'kube-scheduler': ['scheduler'],
  kwok: ['kwok'],
  simkubelet: ['simkubelet'],
  // The real node: containerd listens on a unix socket only; the kubelet's API is on the node IP.
  containerd: [],
  kubelet: ['kubeletHealthz'],
  hahaha: ['webhook', 'metrics'],
};

/** The apiserver's audit policy: pod streams only (cluster/audit-policy.yaml). */
const AUDIT_POLICY = join(REPO, 'cluster', 'audit-policy.yaml');

/** The node that runs hahaha: Node 24 from the repo's devDependency, not the machine's own. */
export const NODE = join(REPO, 'node_modules', '.bin', 'node');

/** The `hahaha serve` command line of the local cluster: webhooks and controller, from the working tree. */
export function hahahaServeArgs(p: Paths, s: Settings): string[] {
  return [
    join(REPO, 'src', 'cli', 'main.ts'),
    'serve',
    '--port', String(s.ports.webhook),
    '--metrics-port', String(s.ports.metrics),
    '--address', HOST,
    '--cert-file', join(p.webhookCerts, 'tls.crt'),
    '--key-file', join(p.webhookCerts, 'tls.key'),
    // hahaha's own ServiceAccount token and minimal RBAC (cluster/access.ts), never the admin's.
    '--kubeconfig', p.kubeconfig('hahaha'),
    '--lease-namespace', 'hahaha',
    '--selector', s.selector,
    // As the chart passes it: never kube-system, kube-public, kube-node-lease or hahaha's own namespace.
    '--exclude-namespaces', 'kube-system,kube-public,kube-node-lease,hahaha',
    // Short enough that the e2e scenarios of stubborn sidecars finish in seconds.
    '--shutdown-grace', '3s',
    '--retry-backoff', '1s',
    '--max-attempts', '3',
    // The real node's tests send SIGTERM as a fallback step (and to a pid that is not there, for a
    // real non-zero exit status); the catalog's own exec steps stay allowed as always.
    '--allow-exec', '/bin/kill -s TERM *',
  ];
}

/** Size and mtime of every file hahaha runs from (src/, webhook-certs/, the lockfile): changes when the code does. */
function sourceStamp(): string {
  const files = [join(REPO, 'package-lock.json'), ...['src', 'webhook-certs'].flatMap((d) => readdirSync(join(REPO, d), { recursive: true, encoding: 'utf8' }).map((f) => join(REPO, d, f)))];
  return files
    .sort()
    .map((f) => {
      const st = statSync(f);
      return st.isFile() ? `${f}:${st.size}:${st.mtimeMs}` : '';
    })
    .join('\n');
}

/** What a probe says: up, or why not. */
export type Health = { ok: true; detail?: string } | { ok: false; reason: string };

const read = (f: string): string => readFileSync(f, 'utf8');

async function httpsOk(port: number, path: string, tls: Tls, check?: (body: string) => boolean): Promise<Health> {
  try {
    const r = await request(port, path, tls, { timeoutMs: 3000 });
    if (r.status === 200 && (!check || check(r.body))) return { ok: true };
    return { ok: false, reason: `${path}: HTTP ${r.status} ${r.body.trim().split('\n').slice(-3).join(' | ').slice(0, 200)}` };
  } catch (e) {
    return { ok: false, reason: `${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** The health probe of each component (works without the binaries: status uses it). */
export function probes(p: Paths, s: Settings): Record<ComponentName, () => Promise<Health>> {
  const ca = (): string => read(p.cert('ca'));
  const client = (name: string): Tls => ({ ca: ca(), cert: read(p.cert(name)), key: read(p.key(name)) });
  return {
    etcd: () => httpsOk(s.ports.etcd, '/health', client('apiserver-etcd-client'), (b) => /"health":\s*"true"/.test(b)),
    'kube-apiserver': () => httpsOk(s.ports.apiserver, '/readyz', client('admin')),
    'kube-controller-manager': () => httpsOk(s.ports.controllerManager, '/healthz', { ca: ca() }),
    'kube-scheduler': () => httpsOk(s.ports.scheduler, '/healthz', { ca: ca() }),
    kwok: () => httpsOk(s.ports.kwok, '/healthz', { ca: ca() }),
    // The simkubelet's contract names no health path: any HTTP answer over verified TLS (with
    // the apiserver's kubelet-client certificate, as the apiserver calls it) means it is up.
    simkubelet: async () => {
      try {
        const r = await request(s.ports.simkubelet, '/healthz', client('apiserver-kubelet-client'), { timeoutMs: 3000 });
        return { ok: true, detail: `HTTP ${r.status} on /healthz` };
      } catch (e) {
        return { ok: false, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
      }
    },
    containerd: () => containerdHealth(realNodePaths(p)),
    kubelet: () => kubeletHealth(s.ports.kubeletHealthz),
    hahaha: async () => {
      const ca = { ca: read(join(p.webhookCerts, 'ca.crt')) };
      const h = await httpsOk(s.ports.webhook, '/readyz', ca);
      if (!h.ok) return h;
      // The webhooks are ready; the controller has its own readiness (its pod cache and event log).
      const c = await httpsOk(s.ports.webhook, '/readyz/controller', ca);
      if (!c.ok) return c;
      return (await tcpAnswers(s.ports.metrics)) ? h : { ok: false, reason: `metrics port ${s.ports.metrics} does not answer` };
    },
  };
}

export interface Plan {
  readonly name: ComponentName;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Everything that, when changed, means the running process must be restarted. */
  readonly identity: unknown;
  /** How long to wait for it to become healthy. */
  readonly timeoutMs: number;
}

export interface PlanContext {
  readonly p: Paths;
  readonly s: Settings;
  readonly bins: Binaries;
  /** Changes when the PKI is remade: every component must restart then. */
  readonly pkiId: string;
}

/**
 * A small fixed environment of our own rather than the caller's: the same whether cluster:up runs
 * from npm (which puts node_modules/.bin on PATH) or not, so a second run sees the same fingerprint.
 */
function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: homedir(), LANG: 'C.UTF-8', ...extra };
}

/** hahaha's own settings from the caller's environment (HAHAHA_CATALOG, HAHAHA_LOG_LEVEL, ...), not the cluster's. */
function hahahaEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k.startsWith('HAHAHA_') && !k.startsWith('HAHAHA_CLUSTER_') && k !== 'HAHAHA_CACHE'),
  );
}

/**
 * The kube-apiserver's command line. A second apiserver on the same etcd (an e2e test's, with a
 * short --event-ttl of its own) takes the same one on another port, with `extra` flags.
 */
export function apiserverArgv(p: Paths, s: Settings, binary: string, o: { port?: number; extra?: readonly string[] } = {}): string[] {
  const cert = p.cert;
  const key = p.key;
  return [
    binary,
    `--etcd-servers=https://${HOST}:${s.ports.etcd}`,
    `--etcd-cafile=${cert('ca')}`,
    `--etcd-certfile=${cert('apiserver-etcd-client')}`,
    `--etcd-keyfile=${key('apiserver-etcd-client')}`,
    `--bind-address=${HOST}`,
    `--advertise-address=${HOST}`,
    `--secure-port=${o.port ?? s.ports.apiserver}`,
    `--cert-dir=${p.apiserverCertDir}`,
    `--tls-cert-file=${cert('apiserver')}`,
    `--tls-private-key-file=${key('apiserver')}`,
    `--client-ca-file=${cert('ca')}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p.saPub}`,
    `--service-account-signing-key-file=${p.saKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--kubelet-preferred-address-types=InternalIP',
    // Webhooks behind a Service (the chart's) are called at the endpoint's pod IP, on the real
    // node's bridge: there is no kube-proxy on the host.
    '--enable-aggregator-routing=true',
    // Every exec, attach and port-forward into a pod, one JSON line each: what reached the real
    // node's containers, as the simkubelet's record shows it for the simulated ones.
    `--audit-policy-file=${AUDIT_POLICY}`,
    `--audit-log-path=${p.log('audit')}`,
    '--audit-log-format=json',
    '--audit-log-maxsize=100',
    // The `kubernetes` Endpoints may not hold a loopback address, so the reconciler would fail
    // every 10 s; the real node's pods reach the Service IP by the cluster's own DNAT rule
    // (cluster/realnode/network.ts), so keep the Service, skip the Endpoints.
    '--endpoint-reconciler-type=none',
    `--kubelet-certificate-authority=${cert('ca')}`,
    `--kubelet-client-certificate=${cert('apiserver-kubelet-client')}`,
    `--kubelet-client-key=${key('apiserver-kubelet-client')}`,
    '--profiling=false',
    ...(o.extra ?? []),
  ];
}

/** Prepare the files of each component and return how to start it. */
export async function plans(c: PlanContext): Promise<Plan[]> {
  const { p, s, bins, pkiId } = c;
  const cert = p.cert;
  const key = p.key;
  const out: Plan[] = [];

  out.push({
    name: 'etcd',
    argv: [
      bins.etcd,
      '--name=hahaha',
      `--data-dir=${p.etcdData}`,
      `--listen-client-urls=https://${HOST}:${s.ports.etcd}`,
      `--advertise-client-urls=https://${HOST}:${s.ports.etcd}`,
      `--listen-peer-urls=https://${HOST}:${s.ports.etcdPeer}`,
      `--initial-advertise-peer-urls=https://${HOST}:${s.ports.etcdPeer}`,
      `--initial-cluster=hahaha=https://${HOST}:${s.ports.etcdPeer}`,
      '--initial-cluster-state=new',
      '--initial-cluster-token=hahaha-local',
      `--cert-file=${cert('etcd')}`,
      `--key-file=${key('etcd')}`,
      `--trusted-ca-file=${cert('ca')}`,
      '--client-cert-auth=true',
      `--peer-cert-file=${cert('etcd')}`,
      `--peer-key-file=${key('etcd')}`,
      `--peer-trusted-ca-file=${cert('ca')}`,
      '--peer-client-cert-auth=true',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    env: baseEnv(),
    cwd: p.dir,
    identity: pkiId,
    timeoutMs: 30_000,
  });

  out.push({
    name: 'kube-apiserver',
    argv: apiserverArgv(p, s, bins.kubeApiserver),
    env: baseEnv(),
    cwd: p.dir,
    identity: pkiId,
    timeoutMs: 60_000,
  });

  const kubeconfigArgs = (user: string): string[] => [
    `--kubeconfig=${p.kubeconfig(user)}`,
    `--authentication-kubeconfig=${p.kubeconfig(user)}`,
    `--authorization-kubeconfig=${p.kubeconfig(user)}`,
    // Client certificates come from --client-ca-file; there is no front proxy, so do not look up
    // its (absent) request-header CA in kube-system/extension-apiserver-authentication.
    '--authentication-skip-lookup=true',
  ];
  out.push({
    name: 'kube-controller-manager',
    argv: [
      bins.kubeControllerManager,
      ...kubeconfigArgs('kube-controller-manager'),
      `--bind-address=${HOST}`,
      `--secure-port=${s.ports.controllerManager}`,
      `--tls-cert-file=${cert('kube-controller-manager-serving')}`,
      `--tls-private-key-file=${key('kube-controller-manager-serving')}`,
      `--client-ca-file=${cert('ca')}`,
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${p.saKey}`,
      `--root-ca-file=${cert('ca')}`,
      `--cluster-signing-cert-file=${cert('ca')}`,
      `--cluster-signing-key-file=${key('ca')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--cluster-name=${CLUSTER_NAME}`,
      // Its flexvolume prober makes this folder; the default is /usr/libexec/kubernetes/kubelet-plugins/volume/exec.
      `--flex-volume-plugin-dir=${join(p.dir, 'flexvolume')}`,
      '--leader-elect=false',
      '--controllers=*',
      '--profiling=false',
      // The default 20 requests/s would take the Job controller 50 s to create the scale benchmark's
      // 1,000 pods, and its 5 workers most of a minute to mark them complete.
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--concurrent-job-syncs=50',
    ],
    env: baseEnv(),
    cwd: p.dir,
    identity: [pkiId, read(p.kubeconfig('kube-controller-manager'))],
    timeoutMs: 60_000,
  });

  out.push({
    name: 'kube-scheduler',
    argv: [
      bins.kubeScheduler,
      ...kubeconfigArgs('kube-scheduler'),
      `--bind-address=${HOST}`,
      `--secure-port=${s.ports.scheduler}`,
      `--tls-cert-file=${cert('kube-scheduler-serving')}`,
      `--tls-private-key-file=${key('kube-scheduler-serving')}`,
      `--client-ca-file=${cert('ca')}`,
      '--leader-elect=false',
      '--profiling=false',
      // Binding at the default 50/s spreads the starts of the scale benchmark's 1,000 Jobs over 20 s
      // (deprecated flags, but the scheduler has no config file here).
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ],
    env: baseEnv(),
    cwd: p.dir,
    identity: [pkiId, read(p.kubeconfig('kube-scheduler'))],
    timeoutMs: 60_000,
  });

  // kwok: Nodes and Leases only (cluster/kwok/stages.yaml), sandboxed with its own copies.
  {
    const dir = sandboxDir(p, 'kwok');
    const kubeconfig = await sandboxFile(p, 'kwok', 'kubeconfig.yaml', { content: kubeconfigText(p, 'kwok', s.ports.apiserver) });
    const stages = await sandboxFile(p, 'kwok', 'stages.yaml', { from: join(REPO, 'cluster', 'kwok', 'stages.yaml') });
    const crt = await sandboxFile(p, 'kwok', 'tls.crt', { from: cert('kwok-serving') });
    const k = await sandboxFile(p, 'kwok', 'tls.key', { from: key('kwok-serving') });
    // KWOK_WORKDIR: kwok prepends $KWOK_WORKDIR/kwok.yaml (default ~/.kwok) to its config; keep it empty.
    const home = sandboxWritableDir(p, 'kwok', 'home');
    out.push({
      name: 'kwok',
      argv: [
        ...wrapPrefix(),
        sandboxBinary(p, bins.kwok),
        `--kubeconfig=${kubeconfig}`,
        `--config=${stages}`,
        `--manage-nodes-with-label-selector=${NODE_LABEL.key}=${NODE_LABEL.value}`,
        `--node-ip=${HOST}`,
        `--node-port=${s.ports.simkubelet}`,
        `--server-address=${HOST}:${s.ports.kwok}`,
        `--tls-cert-file=${crt}`,
        `--tls-private-key-file=${k}`,
        '--node-lease-duration-seconds=40',
      ],
      env: baseEnv({ HOME: home, KWOK_WORKDIR: home }),
      cwd: dir,
      identity: [pkiId, read(kubeconfig), read(stages)],
      timeoutMs: 30_000,
    });
  }

  // simkubelet: pod status, deletion, exec and port-forward for pods on the kwok nodes (sandboxed).
  if (bins.simkubelet) {
    const dir = sandboxDir(p, 'simkubelet');
    const kubeconfig = await sandboxFile(p, 'simkubelet', 'kubeconfig.yaml', { content: kubeconfigText(p, 'simkubelet', s.ports.apiserver) });
    const crt = await sandboxFile(p, 'simkubelet', 'tls.crt', { from: cert('simkubelet-serving') });
    const k = await sandboxFile(p, 'simkubelet', 'tls.key', { from: key('simkubelet-serving') });
    const ca = await sandboxFile(p, 'simkubelet', 'ca.crt', { from: cert('ca') });
    out.push({
      name: 'simkubelet',
      argv: [
        ...wrapPrefix(),
        sandboxBinary(p, bins.simkubelet),
        '--kubeconfig', kubeconfig,
        '--listen', `${HOST}:${s.ports.simkubelet}`,
        '--tls-cert-file', crt,
        '--tls-key-file', k,
        '--client-ca-file', ca,
        '--node-label', `${NODE_LABEL.key}=${NODE_LABEL.value}`,
        '--record', sandboxWritableFile(p, 'simkubelet', basename(p.simkubeletRecord)),
      ],
      env: baseEnv({ HOME: dir }),
      cwd: dir,
      identity: [pkiId, read(kubeconfig), bins.simkubelet],
      timeoutMs: 30_000,
    });
  }

  // The real node: containerd and the kubelet run on the host as root, with their state in <state>/realnode.
  if (s.realNode) {
    const r = realNodePaths(p);
    await ensureRealNodePki(p, r);
    await writeRealNodeFiles(p, r, s.ports);
    const env = baseEnv(NO_REGISTRY_ENV);
    out.push({ name: 'containerd', argv: containerdArgv(r), env, cwd: r.dir, identity: containerdConfig(r), timeoutMs: 30_000 });
    out.push({
      name: 'kubelet',
      argv: kubeletArgv(bins.kubelet, r),
      env,
      cwd: r.dir,
      identity: [pkiId, kubeletConfig(p, r, s.ports), kubeletKubeconfig(s.ports.apiserver, p, r), bins.kubelet],
      timeoutMs: 60_000,
    });
  }

  if (s.withHahaha) {
    const env = baseEnv(hahahaEnv());
    out.push({
      name: 'hahaha',
      argv: [NODE, ...hahahaServeArgs(p, s)],
      env,
      cwd: REPO,
      // The source tree too: `cluster:up` after a code change restarts hahaha with the new code.
      identity: [pkiId, env, existsSync(p.kubeconfig('hahaha')) ? read(p.kubeconfig('hahaha')) : '', sourceStamp()],
      timeoutMs: 30_000,
    });
  }
  return out;
}
