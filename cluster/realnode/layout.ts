// The real node's fixed facts and where it keeps its state: the Node name, its taint, the bridge and
// pod subnet the cluster creates, the kubelet's ports, and every path under <state>/realnode/.
// containerd, runc, the kubelet and the CNI plugins are pointed at these paths, so that
// cluster:down finds everything the node made in one folder (the few fixed host paths that
// containerd 1.6 and the kubelet do not let us move are listed in HOST_PATHS).

import { join } from 'node:path';
import { type Paths } from '../layout.ts';

export const REAL_NODE = 'real-node';
/** Only pods that tolerate this land on the real node. */
export const REAL_NODE_TAINT = { key: 'hahaha.dev/real-node', value: 'true', effect: 'NoSchedule' } as const;
export const REAL_NODE_LABEL = { key: 'hahaha.dev/node', value: 'real' } as const;

/** The Linux bridge the cluster creates for the real node's pods, and their subnet. */
export const BRIDGE = 'hahaha0';
export const POD_SUBNET = '10.244.0.0/24';
/** The bridge's own address: the node IP (the kubelet refuses loopback), the pods' gateway. */
export const NODE_IP = '10.244.0.1';
export const POD_PREFIX = 24;
/** The CNI network's name: containerd's CNI result cache files carry it. */
export const CNI_NETWORK = 'hahaha-realnode';
/** The iptables chain (nat table) that takes pods to the apiserver through the `kubernetes` Service. */
export const NAT_CHAIN = 'HAHAHA-REALNODE';

/** The kubelet's API on the node IP (the apiserver dials it); its healthz is on loopback (ports.kubeletHealthz). */
export const KUBELET_PORT = 10250;


/**
 * Host paths that containerd 1.6 and the kubelet use whatever they are told: cluster:down removes
 * only the entries of ours in them (by name), and the folder when it is empty and was made by us.
 */
export const HOST_PATHS = {
  /** containerd 1.6 puts its shims' sockets here (a hash of its own socket path). */
  shimSockets: '/run/containerd/s',
  /** containerd's CRI creates each pod's network namespace here, named cni-<uuid>. */
  netns: '/run/netns',
  /** libcni's result cache (go-cni does not let containerd 1.6 move it): <network>-<id>-<ifname>. */
  cniCache: '/var/lib/cni/results',
  /** The kubelet's symlinks to container logs (a fixed path in the kubelet). */
  containerLogs: '/var/log/containers',
  /** The kubelet's device-plugin socket (pluginapi.DevicePluginPath, a constant). */
  devicePlugins: '/var/lib/kubelet/device-plugins',
  /** The loopback network containerd's CRI sets up in every pod: its cache entries are cni-loopback-<sandbox id>-lo. */
  cniLoopback: 'cni-loopback',
} as const;

/**
 * Host folders a kubelet, containerd, CNI or buildah makes by default. cluster:up notes which of them
 * exist before the node starts; cluster:down reports any that exist afterwards but did not before.
 */
export const WATCHED_HOST_PATHS = [
  '/etc/cni', '/opt/cni', '/var/lib/cni', '/run/netns',
  '/etc/containerd', '/opt/containerd', '/var/lib/containerd', '/run/containerd', '/run/runc',
  '/etc/kubernetes', '/var/lib/kubelet', '/usr/libexec/kubernetes', '/var/log/containers', '/var/log/pods',
  '/var/lib/containers', '/run/containers',
] as const;

/**
 * Host sysctls the node changes: the CNI bridge plugin turns on ip_forward (isGateway), and the
 * kubelet sets its kernel tunables (pkg/kubelet/cm setupKernelTunables). cluster:down puts back the
 * values noted before the node first ran, and reports any it could not.
 */
export const WATCHED_SYSCTLS = [
  'net/ipv4/ip_forward', 'vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes',
] as const;

export function realNodePaths(p: Paths) {
  const dir = join(p.dir, 'realnode');
  return {
    dir,
    containerdConfig: join(dir, 'containerd.toml'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd.sock'),
    containerdOpt: join(dir, 'containerd', 'opt'),
    runcRoot: join(dir, 'runc'),
    cniConf: join(dir, 'cni', 'net.d'),
    cniIpam: join(dir, 'cni', 'ipam'),
    registryHosts: join(dir, 'containerd', 'certs.d'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet.yaml'),
    kubeletKubeconfig: join(dir, 'kubelet.kubeconfig'),
    kubeletPlugins: join(dir, 'kubelet-plugins'),
    podLogs: join(dir, 'pod-logs'),
    resolvConf: join(dir, 'resolv.conf'),
    pki: join(dir, 'pki'),
    cert: (name: string) => join(dir, 'pki', `${name}.crt`),
    key: (name: string) => join(dir, 'pki', `${name}.key`),
    /** Which WATCHED_HOST_PATHS existed, and the WATCHED_SYSCTLS' values, before the node first started. */
    hostBefore: join(dir, 'host-before.json'),
    /** Which images are imported, by archive: a warm cluster:up imports nothing. */
    imported: join(dir, 'imported.json'),
  };
}
export type RealNodePaths = ReturnType<typeof realNodePaths>;
