// The simulated Nodes of the local cluster. cluster:up creates them (labelled type=kwok and
// annotated for kwok, no taints); kwok makes them Ready and renews their Leases; their kubelet
// endpoint (daemonEndpoints, set by kwok's node stages from --node-ip/--node-port) is the simkubelet.

import { NODE_LABEL, NODE_NAMES } from './layout.ts';

export const NODES_PATH = '/api/v1/nodes';

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
