// The simulated Nodes of the local cluster. cluster:up creates them (labelled type=kwok and
// annotated for kwok, no taints); kwok makes them Ready and renews their Leases; their kubelet
// endpoint (daemonEndpoints, set by kwok's node stages from --node-ip/--node-port) is the simkubelet.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_LABEL, NODE_NAMES, REPO } from './layout.ts';

export const NODES_PATH = '/api/v1/nodes';

/** The pinned Kubernetes version (cluster/versions.env), which the simulated kubelets report. */
export function kubernetesVersion(): string {
  const m = /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(join(REPO, 'cluster', 'versions.env'), 'utf8'));
  if (!m?.[1]) throw new Error('cluster/versions.env has no KUBERNETES_VERSION');
  return m[1];
}

/**
 * The status that makes a simulated Node report the pinned kubelet version: kwok's node stage keeps
 * a nodeInfo.kubeletVersion it finds (else it says "kwok-<version>", which no kubelet is), so that
 * hahaha's --native-sidecars auto sees the cluster as the version it is.
 */
export function nodeStatus(name: string): object {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { nodeInfo: { kubeletVersion: kubernetesVersion() } } };
}

export function nodeObjects(): { name: string; obj: object }[] {
  return NODE_NAMES.map((name) => ({
    name,
    obj: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          [NODE_LABEL.key]: NODE_LABEL.value,
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
        },
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: {},
    },
  }));
}
