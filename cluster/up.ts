// `npm run cluster:up [-- --without-hahaha] [--without-real-node]`: brings up the local Kubernetes
// control plane on 127.0.0.1 (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok for
// Nodes and Leases, the simkubelet for pods, and hahaha serve from the working tree) and the real
// node (containerd and a kubelet on the cluster's bridge, its images built here and imported:
// cluster/realnode/) as detached background processes with real TLS everywhere, registers hahaha's
// webhooks and three simulated nodes, waits until pods can be scheduled and real-node is Ready, and
// prints KUBECONFIG=<admin kubeconfig> as its last line.
// Idempotent: a healthy component is kept, a dead, unhealthy or differently configured one is
// (re)started, so a second run repairs a half-up cluster and otherwise changes nothing.

import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHahahaAccess } from './access.ts';
import { ensureBuilt, ensureSimkubelet, type Binaries } from './binaries.ts';
import { COMPONENT_NAMES, COMPONENT_PORTS, plans, probes, type ComponentName, type Health, type Plan } from './components.ts';
import { portFree } from './http.ts';
import { Kube } from './kube.ts';
import { NODE_LABEL, NODE_NAMES, REPO, paths, portEnv, portsFromEnv, saveSettings, stateDir, type Paths, type Settings } from './layout.ts';
import { NODES_PATH, nodeObjects, nodeStatus } from './nodes.ts';
import { ensurePki, writeKubeconfigs } from './pki.ts';
import { alive, fingerprint, killPids, listRecords, ourProcesses, procStat, readRecord, spawnDetached, stopRecord, withLock, type ProcRecord } from './processes.ts';
import { importImages, realNodeImages, type ImageArchive } from './realnode/images.ts';
import { REAL_NODE, REAL_NODE_TAINT, realNodePaths } from './realnode/layout.ts';
import { ensureNetwork } from './realnode/network.ts';
import { noteHostBefore } from './realnode/node.ts';
import { tearDownRealNode } from './realnode/teardown.ts';
import { must } from './realnode/exec.ts';
import { checkSandboxTools } from './sandbox.ts';
import { parseSelector } from '../src/core/selector.ts';
import { MUTATING_PATH, VALIDATING_PATH, WEBHOOK_NAME, selectorText, webhookConfigurations } from './webhooks.ts';

const T0 = performance.now();
const since = (t: number): string => `${((performance.now() - t) / 1000).toFixed(1)} s`;
const say = (line: string): void => console.log(`[cluster:up] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class UpError extends Error {}

const USAGE = `Usage: npm run cluster:up [-- --without-hahaha] [--without-simkubelet] [--without-real-node]

Starts (or repairs) the local Kubernetes control plane on 127.0.0.1 and prints
KUBECONFIG=<admin kubeconfig> as the last line. State: $HAHAHA_CLUSTER_DIR (default .cluster/).
  --without-hahaha   do not run hahaha serve (the webhooks stay registered, pointing at
                     https://127.0.0.1:<webhook port>; run your own there with .cluster/webhook-certs)
  --without-simkubelet  do not build or run the simkubelet (pods get scheduled, nothing more)
  --without-real-node   leave out Node real-node (kubelet, containerd and runc, needs root); a
                     real node that runs is taken down
Ports: ${(['etcd', 'etcdPeer', 'apiserver', 'controllerManager', 'scheduler', 'kwok', 'simkubelet', 'webhook', 'metrics'] as const).map(portEnv).join(', ')}.
`;

async function lastLines(file: string, n = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Poll `probe` until healthy; fail early when the process dies. */
async function waitHealthy(rec: ProcRecord, probe: () => Promise<Health>, timeoutMs: number): Promise<Health> {
  const until = Date.now() + timeoutMs;
  let last: Health = { ok: false, reason: 'not probed yet' };
  for (;;) {
    last = await probe();
    if (last.ok) return last;
    if (!alive(rec)) {
      throw new UpError(`${rec.name} exited while starting (${last.reason}). Last lines of ${rec.log}:\n${await lastLines(rec.log)}`);
    }
    if (Date.now() > until) return last;
    await sleep(200);
  }
}

/** Keep the component if it runs as planned and is healthy; else (re)start it and wait for it. */
async function ensureComponent(p: Paths, s: Settings, plan: Plan, probe: () => Promise<Health>): Promise<'kept' | 'started'> {
  const fp = fingerprint(plan.argv, plan.env, plan.identity);
  const rec = readRecord(p, plan.name);
  if (rec && alive(rec)) {
    if (rec.fingerprint === fp) {
      const h = await waitHealthy(rec, probe, Math.min(plan.timeoutMs, 5000)).catch(() => ({ ok: false as const, reason: 'exited' }));
      if (h.ok) {
        say(`${plan.name} already running (pid ${rec.pid})`);
        return 'kept';
      }
      say(`${plan.name} (pid ${rec.pid}) runs but is not healthy (${h.reason}): restarting it`);
    } else {
      say(`${plan.name} (pid ${rec.pid}) runs with other settings: restarting it`);
    }
  }
  // The apiserver may take 15 s to drain its watchers on SIGTERM; its state is in etcd, so cut that short.
  if (rec) await stopRecord(p, rec, plan.name === 'kube-apiserver' ? 3000 : 10_000);
  for (const port of COMPONENT_PORTS[plan.name].map((n) => s.ports[n])) {
    const until = Date.now() + 5000;
    while (!(await portFree(port))) {
      if (Date.now() > until) {
        const name = COMPONENT_PORTS[plan.name].find((n) => s.ports[n] === port) ?? 'apiserver';
        throw new UpError(
          `port ${port} (${plan.name}) on 127.0.0.1 is taken by another program. Stop it (npm run cluster:down stops ours), or pick another port with ${portEnv(name)}.`,
        );
      }
      await sleep(200);
    }
  }
  const t = performance.now();
  const started = await spawnDetached(p, plan.name, plan.argv, { env: plan.env, cwd: plan.cwd, fingerprint: fp });
  const h = await waitHealthy(started, probe, plan.timeoutMs);
  if (!h.ok) {
    throw new UpError(`${plan.name} (pid ${started.pid}) not healthy after ${plan.timeoutMs / 1000} s: ${h.reason}. Last lines of ${started.log}:\n${await lastLines(started.log)}`);
  }
  say(`${plan.name} ready (${since(t)}, pid ${started.pid}${h.detail ? `, ${h.detail}` : ''})`);
  return 'started';
}

interface NodeList {
  items: {
    metadata: { name: string };
    spec?: { taints?: { key: string; effect: string }[] };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

/** Nodes Ready without not-ready/unreachable taints, and the default ServiceAccount: pods can be created and scheduled. */
async function waitSchedulable(kube: Kube, timeoutMs: number): Promise<void> {
  const t = performance.now();
  const until = Date.now() + timeoutMs;
  let why = '';
  for (;;) {
    const nodes = await kube.get<NodeList>(`${NODES_PATH}?labelSelector=${encodeURIComponent(`${NODE_LABEL.key}=${NODE_LABEL.value}`)}`);
    const ready = (nodes?.items ?? []).filter(
      (n) =>
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
        !n.spec?.taints?.some((x) => x.key.startsWith('node.kubernetes.io/') && x.effect !== 'PreferNoSchedule'),
    );
    const sa = await kube.get('/api/v1/namespaces/default/serviceaccounts/default');
    if (ready.length === NODE_NAMES.length && sa) break;
    why = `${ready.length}/${NODE_NAMES.length} nodes Ready and untainted, default ServiceAccount ${sa ? 'present' : 'missing'}`;
    if (Date.now() > until) throw new UpError(`cluster not schedulable after ${timeoutMs / 1000} s: ${why}`);
    await sleep(250);
  }
  say(`${NODE_NAMES.length} nodes Ready, default ServiceAccount present (${since(t)})`);
}

/** Node real-node Ready: the kubelet registered it (with its taint) and reports it healthy. */
async function waitRealNodeReady(kube: Kube, timeoutMs: number): Promise<void> {
  const t = performance.now();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await kube.get<NodeList['items'][number] & { status?: { nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string } } }>(`${NODES_PATH}/${REAL_NODE}`);
    const ready = n?.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True' && n?.spec?.taints?.some((x) => x.key === REAL_NODE_TAINT.key)) {
      say(`${REAL_NODE} Ready (${since(t)}; kubelet ${n.status?.nodeInfo?.kubeletVersion ?? '?'}, ${n.status?.nodeInfo?.containerRuntimeVersion ?? '?'}; tainted ${REAL_NODE_TAINT.key}=${REAL_NODE_TAINT.value}:${REAL_NODE_TAINT.effect})`);
      return;
    }
    if (Date.now() > until) throw new UpError(`${REAL_NODE} not Ready after ${timeoutMs / 1000} s (${n ? `Ready=${ready?.status ?? 'unknown'}` : 'not registered'}). See the kubelet's log in .cluster/logs/kubelet.log`);
    await sleep(500);
  }
}

async function up(withHahaha: boolean, withSimkubelet: boolean, realNode: boolean): Promise<string> {
  const p = paths(stateDir());
  const ports = portsFromEnv();
  const selector = selectorText();
  const parsed = parseSelector(selector);
  if (!parsed.ok) throw new UpError(`HAHAHA_SELECTOR: ${parsed.error}`);

  const tb = performance.now();
  let built;
  try {
    built = await ensureBuilt();
  } catch (e) {
    throw new UpError(`cannot get the control-plane binaries: ${(e as Error).message}`);
  }
  let simkubelet: string | undefined;
  if (withSimkubelet) {
    try {
      simkubelet = await ensureSimkubelet(say);
    } catch (e) {
      throw new UpError(`${(e as Error).message}\n(npm run cluster:up -- --without-simkubelet goes on without it)`);
    }
  } else {
    say('simkubelet left out (--without-simkubelet)');
  }
  const bins: Binaries = { ...built, simkubelet };
  say(`binaries ready (${since(tb)})`);
  checkSandboxTools();
  let images: ImageArchive[] = [];
  if (realNode) {
    if (process.getuid?.() !== 0) throw new UpError('the real node needs root (containerd, the kubelet, a bridge and its iptables rules): run as root, or leave it out with --without-real-node');
    const ti = performance.now();
    await must('bash', [join(REPO, 'cluster', 'realnode', 'packages.sh')], { timeoutMs: 600_000 });
    await noteHostBefore(realNodePaths(paths(stateDir())));
    images = await realNodeImages(say, { hahaha: true });
    say(`real node: Debian packages and ${images.length} images ready (${since(ti)})`);
  } else {
    say('real node left out (--without-real-node)');
  }
  mkdirSync(p.dir, { recursive: true, mode: 0o755 });
  return withLock(p, say, () => upLocked(p, { ports, selector, withHahaha, bins, realNode, images }));
}

async function upLocked(
  p: Paths,
  o: { ports: Settings['ports']; selector: string; withHahaha: boolean; bins: Binaries; realNode: boolean; images: readonly ImageArchive[] },
): Promise<string> {
  const { ports, selector, withHahaha, bins, realNode } = o;
  const simkubelet = bins.simkubelet;
  mkdirSync(p.etcdData, { recursive: true, mode: 0o700 });
  const pki = await ensurePki(p);
  say(pki.created ? `PKI created in ${p.pki.startsWith(`${REPO}/`) ? relative(REPO, p.pki) : p.pki}` : 'PKI reused');
  await writeKubeconfigs(p, ports.apiserver);

  const settings0: Settings = { ports, withHahaha, selector, components: [], realNode };
  let all = await plans({ p, s: settings0, bins, pkiId: pki.id });
  const settings: Settings = { ...settings0, components: all.map((x) => x.name) };
  await saveSettings(p, settings);

  // Whatever runs but is not planned any more (hahaha with --without-hahaha) is stopped.
  let changed = false;
  for (const rec of listRecords(p)) {
    if (!all.some((x) => x.name === rec.name)) {
      const how = await stopRecord(p, rec);
      if (how !== 'not running') say(`${rec.name} stopped (${how}): not wanted in this setup`);
      changed = true;
    }
  }

  if (!realNode && existsSync(realNodePaths(p).dir)) {
    const left = await tearDownRealNode(p, say);
    if (left.length) throw new UpError(`the real node is not fully gone: ${left.join('; ')}`);
    say(`${REAL_NODE} taken down: not wanted in this setup`);
    changed = true;
  }

  // Processes of ours that no live record accounts for (a lost pid file, a dead wrapper) go.
  const live = new Set(listRecords(p).filter(alive).map((r) => r.pid));
  const strays = ourProcesses(p.dir).filter((x) => !live.has(procStat(x.pid)?.pgrp ?? -1));
  if (strays.length) {
    for (const x of strays) say(`leftover pid ${x.pid} (${x.argv.join(' ').slice(0, 100)}...): killing it`);
    const left = await killPids(strays.map((x) => x.pid));
    if (left.length) throw new UpError(`cannot kill leftover processes ${left.join(', ')}`);
    changed = true;
  }

  const probe = probes(p, settings);
  const plan = (name: ComponentName): Plan | undefined => all.find((x) => x.name === name);
  const results: ('kept' | 'started')[] = [];
  const ensure = async (name: ComponentName): Promise<void> => {
    const pl = plan(name);
    if (pl) results.push(await ensureComponent(p, settings, pl, probe[name]));
  };

  await ensure('etcd');
  await ensure('kube-apiserver');

  const kube = new Kube(p, ports.apiserver);
  for (const n of nodeObjects()) await kube.apply(`${NODES_PATH}/${n.name}`, n.obj);
  const hooks = webhookConfigurations({ port: ports.webhook, caBundlePem: await readFile(join(p.webhookCerts, 'ca.crt'), 'utf8'), selector });
  await kube.apply(`${MUTATING_PATH}/${WEBHOOK_NAME}`, hooks.mutating);
  await kube.apply(`${VALIDATING_PATH}/${WEBHOOK_NAME}`, hooks.validating);
  say(`${NODE_NAMES.length} nodes and the webhook configurations applied (objectSelector from ${JSON.stringify(selector)})`);
  const access = await ensureHahahaAccess(kube, p, ports.apiserver);
  say(`hahaha's ServiceAccount and RBAC (deploy/rbac.yaml) applied; ${access === 'minted' ? 'new token in' : 'token kept in'} ${relative(REPO, p.kubeconfig('hahaha'))}`);
  // hahaha's plan names its token kubeconfig, which exists only now.
  all = await plans({ p, s: settings, bins, pkiId: pki.id });

  if (realNode) {
    await ensureNetwork(ports.apiserver);
    await ensure('containerd');
    await importImages(realNodePaths(p), o.images, say);
  }

  const rest = COMPONENT_NAMES.filter((n) => n !== 'etcd' && n !== 'kube-apiserver' && n !== 'containerd');
  const outcomes = await Promise.allSettled(rest.map(ensure));
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed.length) throw failed.length === 1 ? failed[0]?.reason : new UpError(failed.map((f) => (f.reason as Error).message).join('\n\n'));

  await waitSchedulable(kube, 60_000);
  // After kwok's first status: the nodes report the pinned kubelet version from now on.
  for (const n of NODE_NAMES) await kube.apply(`${NODES_PATH}/${n}/status`, nodeStatus(n));
  if (realNode) await waitRealNodeReady(kube, 120_000);
  if (!withHahaha) say(`hahaha not started (--without-hahaha): the webhooks expect it on https://127.0.0.1:${ports.webhook} with ${join(p.webhookCerts, 'tls.crt')}`);
  if (!simkubelet) say('simkubelet not running: pods get scheduled but no container status');
  const admin = p.kubeconfig('admin');
  if (!changed && results.every((r) => r === 'kept')) say(`cluster already up and healthy (checked in ${since(T0)})`);
  else say(`cluster up in ${since(T0)}; logs in ${p.logs}`);
  return admin;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { 'without-hahaha': { type: 'boolean' }, 'without-simkubelet': { type: 'boolean' }, 'without-real-node': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`cluster:up: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const admin = await up(!values['without-hahaha'], !values['without-simkubelet'], !values['without-real-node']);
    console.log(`KUBECONFIG=${admin}`);
    return 0;
  } catch (e) {
    const msg = e instanceof UpError ? e.message : ((e as Error).stack ?? String(e));
    process.stderr.write(`[cluster:up] FAILED: ${msg}\n[cluster:up] what runs is left as is: npm run cluster:status to look, npm run cluster:up to retry, npm run cluster:down to clean up.\n`);
    return 1;
  }
}

// Make sure no stray handle keeps the process: everything we started is detached.
process.exit(await main());
