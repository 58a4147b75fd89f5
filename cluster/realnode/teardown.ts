// Taking the real node apart for cluster:down, and proving nothing of it is left. Before containerd
// stops: every task of its k8s.io namespace is killed and deleted (noting each pod's network
// namespace from its bundle first). After: leftover shims and runc containers, mounts under the
// state folder, the pods' network namespaces, containerd's and the kubelet's entries in the fixed
// host folders (HOST_PATHS), the bridge and the iptables chains. `realNodeLeftovers` lists what is
// still there; cluster:down keeps the state folder and fails while that list is not empty.

import { existsSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Paths } from '../layout.ts';
import { readRecord, stopRecord } from '../processes.ts';
import { lines, run } from './exec.ts';
import { CNI_NETWORK, HOST_PATHS, WATCHED_HOST_PATHS, realNodePaths, type RealNodePaths } from './layout.ts';
import { networkLeftovers, removeNetwork } from './network.ts';
import { readSysctl, type HostBefore } from './node.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ctr = (r: RealNodePaths, args: readonly string[]) => run('ctr', ['--address', r.containerdSocket, '--timeout', '10s', '-n', 'k8s.io', ...args], { timeoutMs: 15_000 });


/** What the teardown must find again if it is cut short: the containers' ids and the pods' network namespaces. */
interface Noted {
  readonly ids: readonly string[];
  readonly netns: readonly string[];
}

/** The container ids and the pods' network namespace paths, read from the task bundles while they exist. */
function fromBundles(r: RealNodePaths): Noted {
  const dir = join(r.containerdState, 'io.containerd.runtime.v2.task', 'k8s.io');
  if (!existsSync(dir)) return { ids: [], netns: [] };
  const ids = readdirSync(dir);
  const out: string[] = [];
  for (const id of ids) {
    try {
      const spec = JSON.parse(readFileSync(join(dir, id, 'config.json'), 'utf8')) as { linux?: { namespaces?: { type: string; path?: string }[] } };
      const ns = spec.linux?.namespaces?.find((n) => n.type === 'network')?.path;
      if (ns?.startsWith('/var/run/netns/') || ns?.startsWith('/run/netns/')) out.push(ns.replace(/^\/var\/run\//, '/run/'));
    } catch {
      // a bundle half-written or already gone
    }
  }
  return { ids, netns: [...new Set(out)] };
}

/** Kill and delete every container of the node through containerd (which must still run). Returns their ids. */
async function drainContainers(r: RealNodePaths, say: (line: string) => void): Promise<string[]> {
  if (!existsSync(r.containerdSocket)) return [];
  const tasks = await ctr(r, ['tasks', 'ls', '-q']);
  if (tasks.code !== 0) return [];
  const ids = lines(tasks.stdout);
  for (const id of ids) await ctr(r, ['tasks', 'kill', '-a', '-s', 'SIGKILL', id]);
  for (const id of ids) {
    for (let i = 0; i < 20 && (await ctr(r, ['tasks', 'delete', id])).code !== 0; i++) await sleep(100);
  }
  const containers = lines((await ctr(r, ['containers', 'ls', '-q'])).stdout);
  for (const id of containers) await ctr(r, ['containers', 'rm', id]);
  if (ids.length || containers.length) say(`real node: ${ids.length} tasks killed, ${containers.length} containers removed`);
  return containers;
}

/** containerd shims started for our socket. */
function ourShims(r: RealNodePaths): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if ((argv[0] ?? '').endsWith('containerd-shim-runc-v2') && argv.includes(r.containerdSocket)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const unescape = (s: string): string => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
  return [...new Set(mounts)].sort((a, b) => b.length - a.length);
}

/** Unix sockets that something listens on (from /proc/net/unix). */
function listeningSockets(): Set<string> {
  const out = new Set<string>();
  for (const l of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = l.trim().split(/\s+/);
    if (f[7]) out.add(f[7]);
  }
  return out;
}

function podLogLinks(r: RealNodePaths): string[] {
  if (!existsSync(HOST_PATHS.containerLogs)) return [];
  return readdirSync(HOST_PATHS.containerLogs)
    .map((f) => join(HOST_PATHS.containerLogs, f))
    .filter((f) => {
      try {
        return readlinkSync(f).startsWith(`${r.podLogs}/`);
      } catch {
        return false;
      }
    });
}

/** libcni's cache entries of ours: our network's, and the CRI's loopback network's for our containers. */
function cniCacheEntries(n: Noted): string[] {
  if (!existsSync(HOST_PATHS.cniCache)) return [];
  const ids = new Set(n.ids);
  const loopback = new RegExp(`^${HOST_PATHS.cniLoopback}-([0-9a-f]{64})-lo$`);
  return readdirSync(HOST_PATHS.cniCache)
    .filter((f) => f.startsWith(`${CNI_NETWORK}-`) || ids.has(loopback.exec(f)?.[1] ?? ''))
    .map((f) => join(HOST_PATHS.cniCache, f));
}

/** Pod network namespaces: the noted ones, and any cni-* (containerd's CRI names them so; no other runtime runs here). */
const netnsLeft = (n: Noted): string[] => [
  ...new Set([...n.netns.filter((x) => existsSync(x)), ...(existsSync(HOST_PATHS.netns) ? readdirSync(HOST_PATHS.netns).filter((f) => f.startsWith('cni-')).map((f) => join(HOST_PATHS.netns, f)) : [])]),
];

const devicePluginSocket = join(HOST_PATHS.devicePlugins, 'kubelet.sock');

function rmdirIfEmpty(dir: string): void {
  try {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // not empty after all, or not ours to remove
  }
}

/** After containerd and the kubelet stopped: remove what they left on the host. */
async function removeRealNode(r: RealNodePaths, noted: Noted, say: (line: string) => void): Promise<void> {
  const shims = ourShims(r);
  for (const pid of shims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (shims.length) say(`real node: ${shims.length} leftover shims killed`);
  if (existsSync(r.runcRoot)) {
    for (const ns of readdirSync(r.runcRoot)) {
      const root = join(r.runcRoot, ns);
      for (const id of readdirSync(root)) await run('runc', ['--root', root, 'delete', '--force', id], { timeoutMs: 15_000 });
    }
  }
  for (const m of mountsUnder(r.dir)) {
    if ((await run('umount', [m], { timeoutMs: 15_000 })).code !== 0) await run('umount', ['-l', m], { timeoutMs: 15_000 });
  }
  for (const ns of netnsLeft(noted)) {
    if ((await run('umount', [ns], { timeoutMs: 15_000 })).code !== 0) await run('umount', ['-l', ns], { timeoutMs: 15_000 });
    await rm(ns, { force: true });
  }
  for (const f of [...cniCacheEntries(noted), ...podLogLinks(r), devicePluginSocket]) await rm(f, { force: true });
  // containerd binds /run/netns onto itself (shared, so that the pods' namespace mounts propagate).
  if (existsSync(HOST_PATHS.netns) && readdirSync(HOST_PATHS.netns).length === 0 && mountsUnder(HOST_PATHS.netns).length) await run('umount', [HOST_PATHS.netns], { timeoutMs: 15_000 });
  // The fixed folders the kubelet and containerd made, once nothing is in them.
  for (const d of [HOST_PATHS.netns, HOST_PATHS.cniCache, '/var/lib/cni', HOST_PATHS.devicePlugins, '/var/lib/kubelet', HOST_PATHS.containerLogs]) rmdirIfEmpty(d);
  // Shim sockets nobody listens on any more (ours are gone with our shims; another runtime's live ones stay).
  if (existsSync(HOST_PATHS.shimSockets)) {
    const live = listeningSockets();
    for (const s of readdirSync(HOST_PATHS.shimSockets)) if (!live.has(join(HOST_PATHS.shimSockets, s))) await rm(join(HOST_PATHS.shimSockets, s), { force: true });
    rmdirIfEmpty(HOST_PATHS.shimSockets);
    rmdirIfEmpty('/run/containerd');
  }
  await removeNetwork();
  // The sysctls the CNI plugin and the kubelet changed, back to what they were.
  const before = await hostBefore(r);
  for (const [k, v] of Object.entries(before?.sysctls ?? {})) {
    if (v !== '' && readSysctl(k) !== v) await writeFile(`/proc/sys/${k}`, `${v}\n`).catch(() => undefined);
  }
}

const hostBefore = async (r: RealNodePaths): Promise<HostBefore | undefined> => {
  const text = await readFile(r.hostBefore, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as HostBefore);
};

/** What of the real node is still on the host (empty when it is all gone). */
async function realNodeLeftovers(r: RealNodePaths, noted: Noted): Promise<string[]> {
  const out: string[] = [];
  const shims = ourShims(r);
  if (shims.length) out.push(`containerd shims: ${shims.join(', ')}`);
  const mounts = mountsUnder(r.dir);
  if (mounts.length) out.push(`mounts under ${r.dir}: ${mounts.length} (${mounts[0] ?? ''} ...)`);
  const ns = netnsLeft(noted);
  if (ns.length) out.push(`network namespaces: ${ns.join(', ')}`);
  if (existsSync(devicePluginSocket)) out.push(devicePluginSocket);
  const cache = cniCacheEntries(noted);
  if (cache.length) out.push(`CNI cache entries: ${cache.length} in ${HOST_PATHS.cniCache}`);
  const links = podLogLinks(r);
  if (links.length) out.push(`log links: ${links.length} in ${HOST_PATHS.containerLogs}`);
  out.push(...(await networkLeftovers()));
  const before = await hostBefore(r);
  if (before) {
    for (const d of WATCHED_HOST_PATHS) if (existsSync(d) && !before.paths.includes(d)) out.push(`${d} (made while the cluster ran)`);
    for (const [k, v] of Object.entries(before.sysctls)) if (v !== '' && readSysctl(k) !== v) out.push(`sysctl ${k.replace(/\//g, '.')} is ${readSysctl(k)}, was ${v}`);
  }
  return out;
}

/**
 * The whole real node down, in order: the kubelet (so it restarts nothing), every container
 * through containerd, containerd, then what they left. The pods' network namespaces are noted in
 * the state folder first, so that a teardown cut short finds them on the next run. Returns what is
 * left (empty: the node's state folder is removed too).
 */
export async function tearDownRealNode(p: Paths, say: (line: string) => void): Promise<string[]> {
  const r = realNodePaths(p);
  const kubelet = readRecord(p, 'kubelet');
  if (kubelet) say(`kubelet (pid ${kubelet.pid}): ${await stopRecord(p, kubelet)}`);
  const before = JSON.parse(await readFile(notedFile(r), 'utf8').catch(() => '{"ids":[],"netns":[]}')) as Noted;
  const found = fromBundles(r);
  const note = async (ids: readonly string[]): Promise<Noted> => {
    const n = { ids: [...new Set([...before.ids, ...found.ids, ...ids])], netns: [...new Set([...before.netns, ...found.netns])] };
    if (existsSync(r.dir)) await writeFile(notedFile(r), JSON.stringify(n));
    return n;
  };
  await note([]);
  const noted = await note(await drainContainers(r, say));
  const containerd = readRecord(p, 'containerd');
  if (containerd) say(`containerd (pid ${containerd.pid}): ${await stopRecord(p, containerd)}`);
  await removeRealNode(r, noted, say);
  const left = await realNodeLeftovers(r, noted);
  if (left.length === 0) await rm(r.dir, { recursive: true, force: true });
  return left;
}

const notedFile = (r: RealNodePaths): string => join(r.dir, 'teardown.json');
