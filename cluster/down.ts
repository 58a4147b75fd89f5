// `npm run cluster:down`: stops everything cluster:up started: the real node first (its
// containers through containerd, then the kubelet and containerd, then their mounts, network
// namespaces, bridge and iptables chains: cluster/realnode/teardown.ts), then each component's
// whole process group (SIGTERM, SIGKILL after a bound; the sandboxed ones take their PID namespace with them),
// kills any leftover process of ours (one of the cluster's executables naming the state dir), checks that no such process
// remains and that every port is free, and only then removes the state dir.

import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { COMPONENT_NAMES, COMPONENT_PORTS } from './components.ts';
import { portFree } from './http.ts';
import { REPO, loadSettings, paths, stateDir, type Paths } from './layout.ts';
import { REAL_NODE, realNodePaths } from './realnode/layout.ts';
import { tearDownRealNode } from './realnode/teardown.ts';
import { killPids, listRecords, ourProcesses, stopRecord, waitReaped, withLock, type ProcRecord } from './processes.ts';

const say = (line: string): void => console.log(`[cluster:down] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Refuse to delete a folder that does not look like a state dir of ours. */
function looksLikeOurs(p: Paths): boolean {
  if (p.dir === '/' || p.dir === REPO || p.dir === process.env.HOME) return false;
  const entries = readdirSync(p.dir);
  const ours = new Set(['.lock', 'cluster.json', 'pki', 'pids', 'logs', 'kubeconfig', 'etcd', 'sandbox', 'webhook-certs', 'apiserver', 'realnode', 'flexvolume']);
  return entries.every((e) => ours.has(e));
}

async function stopAll(p: Paths, recs: readonly ProcRecord[]): Promise<void> {
  const order = (r: ProcRecord): number => {
    const i = COMPONENT_NAMES.indexOf(r.name as (typeof COMPONENT_NAMES)[number]);
    return i < 0 ? COMPONENT_NAMES.length : i;
  };
  // Clients first (all at once), then the apiserver, then etcd.
  const stop = async (r: ProcRecord): Promise<void> => {
    const how = await stopRecord(p, r);
    say(`${r.name} (pid ${r.pid}): ${how}`);
  };
  await Promise.all(recs.filter((r) => order(r) >= 2).map(stop));
  for (const r of recs.filter((r) => order(r) < 2).sort((a, b) => order(b) - order(a))) await stop(r);
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const p = paths(stateDir());
  if (!existsSync(p.dir)) {
    const strays = ourProcesses(p.dir);
    if (strays.length === 0) {
      say(`nothing to stop: ${p.dir} does not exist`);
      return 0;
    }
  }
  return withLock(p, say, () => downLocked(p, t0));
}

async function downLocked(p: Paths, t0: number): Promise<number> {
  const { settings } = loadSettings(p);
  // The real node first, while containerd runs: it takes its containers down itself.
  const realNodeLeft = existsSync(realNodePaths(p).dir) ? await tearDownRealNode(p, say) : [];
  const recs = listRecords(p);
  await stopAll(p, recs);

  // Anything else that names the state dir (a lost pid file, a half-finished up) goes too.
  let strays = ourProcesses(p.dir);
  if (strays.length) {
    for (const s of strays) say(`leftover pid ${s.pid}: ${s.argv.join(' ').slice(0, 160)}: killing`);
    await killPids(strays.map((s) => s.pid));
    strays = ourProcesses(p.dir);
  }

  // Cosmetic: let init reap the exited processes, so that pgrep shows no <defunct> entries.
  await waitReaped(recs.map((r) => r.pid));

  // The ports of what cluster:up started (with --without-hahaha, a test's own hahaha may hold its port).
  const started = settings.components.length ? settings.components : COMPONENT_NAMES;
  const ports = COMPONENT_NAMES.filter((n) => started.includes(n)).flatMap((n) => COMPONENT_PORTS[n].map((x) => settings.ports[x]));
  const until = Date.now() + 5000;
  let busy: number[] = [];
  for (;;) {
    busy = [];
    for (const port of ports) if (!(await portFree(port))) busy.push(port);
    if (busy.length === 0 || Date.now() > until) break;
    await sleep(200);
  }

  if (strays.length || busy.length || realNodeLeft.length) {
    if (realNodeLeft.length) say(`the real node left: ${realNodeLeft.join('; ')}`);
    if (strays.length) say(`still running: ${strays.map((s) => `${s.pid} (${s.argv[0] ?? '?'})`).join(', ')}`);
    if (busy.length) say(`ports still taken on 127.0.0.1: ${busy.join(', ')}`);
    say(`kept ${p.dir} for a look; run cluster:down again once that is sorted out`);
    return 1;
  }
  if (existsSync(p.dir)) {
    if (!looksLikeOurs(p)) {
      say(`everything stopped, but ${p.dir} holds files cluster:up does not make: not removing it`);
      return 1;
    }
    await rm(p.dir, { recursive: true, force: true });
  }
  const node = settings.realNode ? `, nothing of ${REAL_NODE} left (containers, shims, mounts, network namespaces, bridge, iptables chains)` : '';
  say(`cluster down in ${((performance.now() - t0) / 1000).toFixed(1)} s: no process left, ports ${ports.join(', ')} free${node}, ${p.dir} removed`);
  return 0;
}

process.exit(await main());
