// `npm run cluster:status`: what of the local cluster is running. For each component the pid, whether
// that process is still alive, whether its ports answer and its health probe passes; then whether
// the apiserver is ready, how many simulated nodes are Ready, and whether Node real-node is. Exits 0 only when everything
// cluster:up started is alive and healthy.

import { existsSync } from 'node:fs';
import { COMPONENT_NAMES, COMPONENT_PORTS, probes } from './components.ts';
import { request, tcpAnswers } from './http.ts';
import { Kube } from './kube.ts';
import { NODE_LABEL, NODE_NAMES, loadSettings, paths, stateDir } from './layout.ts';
import { alive, readRecord } from './processes.ts';
import { BRIDGE, NODE_IP, REAL_NODE } from './realnode/layout.ts';

async function main(): Promise<number> {
  const p = paths(stateDir());
  if (!existsSync(p.settings)) {
    console.log(`no local cluster: ${p.settings} does not exist (npm run cluster:up starts one)`);
    return 1;
  }
  const { settings: s } = loadSettings(p);
  const probe = probes(p, s);
  let healthy = true;
  const rows: string[][] = [['COMPONENT', 'PID', 'ALIVE', 'PORTS', 'HEALTH']];
  await Promise.all(
    COMPONENT_NAMES.map(async (name, i) => {
      const rec = readRecord(p, name);
      const expected = s.components.includes(name);
      const ports = await Promise.all(COMPONENT_PORTS[name].map(async (n) => `${s.ports[n]}${(await tcpAnswers(s.ports[n])) ? '' : ' (closed)'}`));
      if (!expected && !rec) {
        const why = name === 'hahaha' && !s.withHahaha ? 'not started (--without-hahaha)' : (name === 'kubelet' || name === 'containerd') && !s.realNode ? 'not started (--without-real-node)' : 'not started';
        rows[i + 1] = [name, '-', '-', ports.join(', '), why];
        return;
      }
      const isAlive = rec !== undefined && alive(rec);
      const h = await probe[name]();
      if (expected && !(isAlive && h.ok)) healthy = false;
      rows[i + 1] = [name, rec ? String(rec.pid) : '-', isAlive ? 'yes' : 'no', ports.join(', '), h.ok ? `ok${h.detail ? ` (${h.detail})` : ''}` : h.reason];
    }),
  );
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) console.log(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  '));

  try {
    const kube = new Kube(p, s.ports.apiserver);
    const ready = await request(s.ports.apiserver, '/readyz', kube.tls).then((r) => r.status === 200, () => false);
    if (!ready) throw new Error('not ready');
    const nodes = await kube.get<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>(
      `/api/v1/nodes?labelSelector=${encodeURIComponent(`${NODE_LABEL.key}=${NODE_LABEL.value}`)}`,
    );
    const readyNodes = (nodes?.items ?? []).filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    console.log(`apiserver: ready on https://127.0.0.1:${s.ports.apiserver}; nodes Ready: ${readyNodes}/${NODE_NAMES.length}`);
    if (readyNodes !== NODE_NAMES.length) healthy = false;
    if (s.realNode) {
      const n = await kube.get<{ status?: { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string } } }>(`/api/v1/nodes/${REAL_NODE}`);
      const ready = n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      const pods = await kube.get<{ items: unknown[] }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${REAL_NODE}`)}`);
      console.log(`${REAL_NODE}: ${n ? (ready ? 'Ready' : 'NOT Ready') : 'not registered'} (kubelet ${n?.status?.nodeInfo?.kubeletVersion ?? '?'}, ${n?.status?.nodeInfo?.containerRuntimeVersion ?? '?'}, bridge ${BRIDGE} ${NODE_IP}); ${pods?.items.length ?? 0} pods`);
      if (!ready) healthy = false;
    } else {
      console.log(`${REAL_NODE}: left out (--without-real-node)`);
    }
  } catch {
    console.log(`apiserver: not ready on https://127.0.0.1:${s.ports.apiserver}`);
    healthy = false;
  }
  console.log(healthy ? 'cluster: up' : 'cluster: NOT fully up (npm run cluster:up repairs it)');
  console.log(`KUBECONFIG=${p.kubeconfig('admin')}`);
  return healthy ? 0 : 1;
}

process.exit(await main());
