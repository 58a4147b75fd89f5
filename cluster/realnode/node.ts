// The real node's two host processes, containerd and the kubelet: their certificates, config files
// and command lines (as component Plans for cluster:up), and their health probes. The facts that
// made this work on this machine (cgroup v1 with a controller-less unified hierarchy, no
// CAP_SYS_RESOURCE, containerd 1.6) are in the comments beside each setting below.

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { issueCert } from '../../webhook-certs/certs.ts';
import { request } from '../http.ts';
import { CLUSTER_NAME, HOST, type Paths, type Ports } from '../layout.ts';
import { writeIfChanged } from '../pki.ts';
import { run } from './exec.ts';
import { REAL_NODE_IMAGES } from './sidecar-images.ts';
import {
  BRIDGE,
  CNI_NETWORK,
  KUBELET_PORT,
  NODE_IP,
  POD_SUBNET,
  REAL_NODE,
  REAL_NODE_LABEL,
  REAL_NODE_TAINT,
  WATCHED_HOST_PATHS,
  WATCHED_SYSCTLS,
  type RealNodePaths,
} from './layout.ts';

/** Any registry request containerd or the kubelet might try goes to a closed port on loopback. */
export const NO_REGISTRY_ENV = { HTTP_PROXY: `http://${HOST}:9`, HTTPS_PROXY: `http://${HOST}:9`, NO_PROXY: '', http_proxy: `http://${HOST}:9`, https_proxy: `http://${HOST}:9`, no_proxy: '' };

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const read = (f: string): string => readFileSync(f, 'utf8');

/** The kubelet's client identity (system:node:real-node, so the Node authorizer applies) and serving certificate for the node IP. */
export async function ensureRealNodePki(p: Paths, r: RealNodePaths): Promise<void> {
  await mkdir(r.pki, { recursive: true, mode: 0o700 });
  const ca = { cert: read(p.cert('ca')), key: read(p.key('ca')) };
  const leaves = {
    'kubelet-client': { commonName: `system:node:${REAL_NODE}`, organizations: ['system:nodes'], usages: ['client' as const] },
    'kubelet-serving': { commonName: REAL_NODE, hosts: [NODE_IP, REAL_NODE], usages: ['server' as const] },
  };
  for (const [name, o] of Object.entries(leaves)) {
    // Remade with the cluster CA: a leaf signed by an older PKI is replaced.
    const signedByNow = existsSync(`${r.cert(name)}.ca`) && read(`${r.cert(name)}.ca`) === ca.cert;
    if (existsSync(r.cert(name)) && signedByNow) continue;
    const pair = await issueCert(ca, o);
    await writeIfChanged(r.key(name), pair.key, 0o600);
    await writeIfChanged(r.cert(name), pair.cert, 0o644);
    await writeIfChanged(`${r.cert(name)}.ca`, ca.cert, 0o644);
  }
}

/** containerd 1.6's config: its own root, state, sockets, runc root and CNI folders; the CRI as this machine needs it. */
export function containerdConfig(r: RealNodePaths): string {
  const q = JSON.stringify;
  return `# Written by cluster:up (cluster/realnode/node.ts). containerd 1.6 from Debian, for the real node only.
version = 2
root = ${q(r.containerdRoot)}
state = ${q(r.containerdState)}
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${q(r.containerdSocket)}
[ttrpc]
  address = ${q(`${r.containerdSocket}.ttrpc`)}
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(r.containerdOpt)}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(REAL_NODE_IMAGES.pause)}
  # No CAP_SYS_RESOURCE on this machine: containers may not get a lower oom_score_adj than containerd.
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = ${q(HOST)}
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = ${q(r.runcRoot)}
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ${q(r.cniConf)}
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    # An empty hosts folder: no mirror, no credentials. Images are imported, never pulled.
    config_path = ${q(r.registryHosts)}
`;
}

/** The CNI network: the cluster's bridge, host-local addresses from the pod subnet, no masquerading. */
export function cniConfig(r: RealNodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: CNI_NETWORK,
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          // No NAT: nothing from a pod may leave this machine (the FORWARD chain drops it besides).
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', dataDir: r.cniIpam, ranges: [[{ subnet: POD_SUBNET, rangeStart: '10.244.0.10', gateway: NODE_IP }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
      ],
    },
    null,
    2,
  )}\n`;
}

/** The kubelet's configuration for this machine (see the file header). */
export function kubeletConfig(p: Paths, r: RealNodePaths, ports: Ports): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: HOST,
    healthzPort: ports.kubeletHealthz,
    tlsCertFile: r.cert('kubelet-serving'),
    tlsPrivateKeyFile: r.key('kubelet-serving'),
    // Only clients with a certificate of the cluster CA (the apiserver's kubelet client), each
    // request authorized by the apiserver (SubjectAccessReview).
    authentication: { x509: { clientCAFile: p.cert('ca') }, webhook: { enabled: false }, anonymous: { enabled: false } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${r.containerdSocket}`,
    // This machine: cgroup v1 with a controller-less unified hierarchy, no systemd.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    // No DNS for pods: an empty resolv.conf, nothing to ask outside.
    resolvConf: r.resolvConf,
    podLogsDir: r.podLogs,
    registerNode: true,
    registerWithTaints: [REAL_NODE_TAINT],
    // Imported images are the only images: never collect them; evict only when the disk is all but full (1%).
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    serializeImagePulls: false,
    maxPods: 50,
    nodeStatusUpdateFrequency: '10s',
    nodeStatusReportFrequency: '1m',
    shutdownGracePeriod: '0s',
    containerLogMaxSize: '1Mi',
    logging: { format: 'text', verbosity: 1 },
  });
}

export function kubeletKubeconfig(apiserverPort: number, p: Paths, r: RealNodePaths): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster: { server: `https://${HOST}:${apiserverPort}`, 'certificate-authority-data': b64(read(p.cert('ca'))) } }],
    users: [{ name: REAL_NODE, user: { 'client-certificate-data': b64(read(r.cert('kubelet-client'))), 'client-key-data': b64(read(r.key('kubelet-client'))) } }],
    contexts: [{ name: REAL_NODE, context: { cluster: CLUSTER_NAME, user: REAL_NODE } }],
    'current-context': REAL_NODE,
  });
}

/** The host as it was before anything of the node ran (kept until cluster:down finds nothing left). */
export interface HostBefore {
  readonly paths: readonly string[];
  readonly sysctls: Readonly<Record<string, string>>;
}

export const readSysctl = (name: string): string => {
  try {
    return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Note the host's state once, before the node first starts (after its packages are installed). */
export async function noteHostBefore(r: RealNodePaths): Promise<void> {
  await mkdir(r.dir, { recursive: true, mode: 0o711 });
  if (existsSync(r.hostBefore)) return;
  const before: HostBefore = { paths: WATCHED_HOST_PATHS.filter((d) => existsSync(d)), sysctls: Object.fromEntries(WATCHED_SYSCTLS.map((k) => [k, readSysctl(k)])) };
  await writeFile(r.hostBefore, `${JSON.stringify(before, null, 2)}\n`);
}

/** Write every file of the node (unchanged files are left alone, so a warm run restarts nothing). */
export async function writeRealNodeFiles(p: Paths, r: RealNodePaths, ports: Ports): Promise<void> {
  for (const d of [r.dir, r.containerdRoot, r.containerdState, r.containerdOpt, r.runcRoot, r.cniConf, r.cniIpam, r.registryHosts, r.kubeletRoot, r.kubeletPlugins, r.podLogs]) {
    await mkdir(d, { recursive: true, mode: 0o711 });
  }
  await writeIfChanged(r.containerdConfig, containerdConfig(r));
  await writeIfChanged(`${r.cniConf}/10-${CNI_NETWORK}.conflist`, cniConfig(r));
  await writeIfChanged(r.resolvConf, '');
  await writeIfChanged(r.kubeletConfig, kubeletConfig(p, r, ports));
  await writeIfChanged(r.kubeletKubeconfig, kubeletKubeconfig(ports.apiserver, p, r), 0o600);
}

/** Health of containerd: its socket answers `ctr version`. */
export async function containerdHealth(r: RealNodePaths): Promise<{ ok: true; detail?: string } | { ok: false; reason: string }> {
  if (!existsSync(r.containerdSocket)) return { ok: false, reason: `no socket ${r.containerdSocket}` };
  const v = await run('ctr', ['--address', r.containerdSocket, '--timeout', '3s', 'version'], { timeoutMs: 5000 }).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  if (v.code !== 0) return { ok: false, reason: `ctr version: ${v.stderr.trim().split('\n').pop() ?? ''}` };
  const server = /Server:\s*\n\s*Version:\s*(\S+)/.exec(v.stdout)?.[1];
  return { ok: true, detail: `containerd ${server ?? '?'}` };
}

/** Health of the kubelet: /healthz on loopback. */
export async function kubeletHealth(port: number): Promise<{ ok: true; detail?: string } | { ok: false; reason: string }> {
  try {
    const r = await request(port, '/healthz', undefined, { timeoutMs: 3000 });
    return r.status === 200 ? { ok: true } : { ok: false, reason: `/healthz: HTTP ${r.status} ${r.body.slice(0, 120)}` };
  } catch (e) {
    return { ok: false, reason: `/healthz: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** The kubelet's command line: everything is in its config file but its identity. */
export function kubeletArgv(kubelet: string, r: RealNodePaths): string[] {
  return [
    kubelet,
    `--config=${r.kubeletConfig}`,
    `--kubeconfig=${r.kubeletKubeconfig}`,
    `--root-dir=${r.kubeletRoot}`,
    // A flag only (not a config field): else the kubelet makes /usr/libexec/kubernetes/kubelet-plugins.
    `--volume-plugin-dir=${r.kubeletPlugins}`,
    `--hostname-override=${REAL_NODE}`,
    `--node-ip=${NODE_IP}`,
    `--node-labels=${REAL_NODE_LABEL.key}=${REAL_NODE_LABEL.value}`,
  ];
}

export function containerdArgv(r: RealNodePaths): string[] {
  return ['/usr/bin/containerd', '--config', r.containerdConfig, '--log-level', 'warn'];
}
