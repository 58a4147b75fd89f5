// Where the local cluster keeps its state and which loopback ports it uses. Owns the state-dir
// layout (.cluster/ or $HAHAHA_CLUSTER_DIR), the port table and its environment overrides, and
// cluster.json, the record of the settings `cluster:up` used, so that `cluster:down` and
// `cluster:status` look at the same ports even when run without the same environment.

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in <repo>/cluster/). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every address the cluster uses. Nothing listens anywhere else. */
export const HOST = '127.0.0.1';

export const PORT_DEFAULTS = {
  etcd: 23790,
  etcdPeer: 23800,
  apiserver: 16443,
  controllerManager: 20257,
  scheduler: 20259,
  simkubelet: 20250,
  kwok: 20251,
  webhook: 18443,
  metrics: 19090,
  kubeletHealthz: 20248,
} as const;

export type PortName = keyof typeof PORT_DEFAULTS;
export type Ports = Record<PortName, number>;

/** The environment variable that overrides a port, e.g. HAHAHA_CLUSTER_APISERVER_PORT. */
export const portEnv = (name: PortName): string => `HAHAHA_CLUSTER_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_PORT`;

/** Service CIDR: allocation data only, nothing dials it. Its first address is the `kubernetes` Service. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const SERVICE_IP = '10.96.0.1';
export const CLUSTER_NAME = 'hahaha-local';
/** The simulated nodes (created by cluster:up, played by kwok). */
export const NODE_NAMES = ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'] as const;
export const NODE_LABEL = { key: 'type', value: 'kwok' } as const;
/** The unprivileged user and group that kwok and simkubelet run as (nobody/nogroup). */
export const SANDBOX_ID = 65534;

export interface Settings {
  readonly ports: Ports;
  /** Whether hahaha serve runs inside the cluster setup (false after `cluster:up --without-hahaha`). */
  readonly withHahaha: boolean;
  /** The managed-pod selector the webhooks were registered with. */
  readonly selector: string;
  /** The components cluster:up started (simkubelet is left out while its module is missing). */
  readonly components: readonly string[];
  /** Whether the real node (containerd, the kubelet, the bridge) is part of it (false after --without-real-node). */
  readonly realNode: boolean;
}

export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): Ports {
  const ports = { ...PORT_DEFAULTS } as Ports;
  for (const name of Object.keys(PORT_DEFAULTS) as PortName[]) {
    const text = env[portEnv(name)];
    if (text === undefined || text === '') continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${portEnv(name)}: expected a port number, got ${JSON.stringify(text)}`);
    ports[name] = n;
  }
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    const other = seen.get(port);
    if (other) throw new Error(`ports of ${other} and ${name} are both ${port}`);
    seen.set(port, name);
  }
  return ports;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HAHAHA_CLUSTER_DIR || join(REPO, '.cluster'));
}

/** All paths inside the state dir. */
export function paths(dir: string) {
  const pki = join(dir, 'pki');
  const sandbox = join(dir, 'sandbox');
  return {
    dir,
    settings: join(dir, 'cluster.json'),
    pki,
    pkiDone: join(pki, 'complete'),
    cert: (name: string) => join(pki, `${name}.crt`),
    key: (name: string) => join(pki, `${name}.key`),
    saKey: join(pki, 'service-account.key'),
    saPub: join(pki, 'service-account.pub'),
    webhookCerts: join(dir, 'webhook-certs'),
    kubeconfigs: join(dir, 'kubeconfig'),
    kubeconfig: (user: string) => join(dir, 'kubeconfig', `${user}.yaml`),
    etcdData: join(dir, 'etcd'),
    apiserverCertDir: join(dir, 'apiserver'),
    logs: join(dir, 'logs'),
    log: (name: string) => join(dir, 'logs', `${name}.log`),
    pids: join(dir, 'pids'),
    pid: (name: string) => join(dir, 'pids', `${name}.json`),
    /** Files readable by the sandbox user: own copies of binaries, kubeconfigs, certs. */
    sandbox,
    sandboxBin: join(sandbox, 'bin'),
    sandboxOf: (component: string) => join(sandbox, component),
    /** JSON lines of every exec and port-forward the simkubelet received. */
    simkubeletRecord: join(sandbox, 'simkubelet', 'record.jsonl'),
  };
}
export type Paths = ReturnType<typeof paths>;

/** The settings of the running cluster if there is one, else the ones the environment asks for. */
export function loadSettings(p: Paths, env: NodeJS.ProcessEnv = process.env): { settings: Settings; saved: boolean } {
  if (existsSync(p.settings)) {
    const s = JSON.parse(readFileSync(p.settings, 'utf8')) as Settings;
    return { settings: { ...s, realNode: s.realNode ?? false, ports: { ...PORT_DEFAULTS, ...s.ports } }, saved: true };
  }
  return { settings: { ports: portsFromEnv(env), withHahaha: true, selector: '', components: [], realNode: false }, saved: false };
}

export async function saveSettings(p: Paths, s: Settings): Promise<void> {
  await mkdir(p.dir, { recursive: true });
  const tmp = `${p.settings}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`);
  await rename(tmp, p.settings);
}
