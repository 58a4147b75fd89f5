// Detached background processes of the local cluster: start one in its own session and process
// group with stdio to a log file, remember it in pids/<name>.json (pid, kernel start time, a
// fingerprint of how it was started), tell whether it is still that same process, and stop its
// whole process group (SIGTERM, then SIGKILL after a bound). Also finds leftovers: processes whose
// command line names the state dir (every component's does), for `cluster:down` to verify.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import type { Paths } from './layout.ts';

export interface ProcRecord {
  readonly name: string;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a reused pid from ours. */
  readonly startTime: string;
  readonly fingerprint: string;
  readonly argv: readonly string[];
  readonly log: string;
  readonly startedAt: string;
}

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly startTime: string;
  readonly state: string;
}

export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  //  cutime cstime priority nice threads itrealvalue starttime ..."; comm may hold spaces and ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0] ?? '?', ppid: Number(f[1]), pgrp: Number(f[2]), startTime: f[19] ?? '' };
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return [];
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** Processes (not zombies) in process group `pgrp`. */
export function groupMembers(pgrp: number): ProcStat[] {
  return allPids()
    .map(procStat)
    .filter((s): s is ProcStat => s !== undefined && s.pgrp === pgrp && s.state !== 'Z');
}

/** Executables cluster:up starts (directly or through the sandbox wrapper). */
const OUR_EXECUTABLES = new Set(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'simkubelet', 'kubelet', 'containerd', 'unshare', 'setpriv']);
// containerd's shims are not in the list: they hold the real node's running containers and are
// taken down through containerd (cluster/realnode/teardown.ts), never killed as strays.

/**
 * Processes that cluster:up started for the state dir `dir`: one of our executables (or
 * `node ... main.ts serve`) whose command line or executable names `dir`. A shell or kubectl that
 * merely mentions the dir is not one of them.
 */
export function ourProcesses(dir: string): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const st = procStat(pid);
    if (!st || st.state === 'Z') continue;
    const argv = cmdline(pid);
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // kernel threads, processes that just exited
    }
    const mentions = exe.startsWith(`${dir}/`) || argv.some((a) => a.includes(dir));
    if (!mentions) continue;
    const base = (exe || argv[0] || '').split('/').pop()?.replace(/ \(deleted\)$/, '') ?? '';
    const isServe = base === 'node' && argv.some((a) => a.endsWith('/src/cli/main.ts')) && argv.includes('serve');
    if (OUR_EXECUTABLES.has(base) || isServe) out.push({ pid, argv });
  }
  return out;
}

export const fingerprint = (...parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

export function readRecord(p: Paths, name: string): ProcRecord | undefined {
  try {
    return JSON.parse(readFileSync(p.pid(name), 'utf8')) as ProcRecord;
  } catch {
    return undefined;
  }
}

export function listRecords(p: Paths): ProcRecord[] {
  if (!existsSync(p.pids)) return [];
  return readdirSync(p.pids)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readRecord(p, f.slice(0, -'.json'.length)))
    .filter((r): r is ProcRecord => r !== undefined);
}

/** Whether the recorded process is still the one we started (same pid and start time, not a zombie). */
export function alive(rec: ProcRecord): boolean {
  const st = procStat(rec.pid);
  return st !== undefined && st.startTime === rec.startTime && st.state !== 'Z';
}

export interface SpawnOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly fingerprint: string;
}

/**
 * Start `argv` detached: a new session (so its pid is its process group id), stdin from
 * /dev/null, stdout and stderr appended to logs/<name>.log, not waited for by this process.
 */
export async function spawnDetached(p: Paths, name: string, argv: readonly string[], o: SpawnOptions): Promise<ProcRecord> {
  await mkdir(p.logs, { recursive: true });
  await mkdir(p.pids, { recursive: true });
  const log = p.log(name);
  const fd = openSync(log, 'a');
  const [file, ...args] = argv;
  if (!file) throw new Error(`${name}: empty command`);
  try {
    writeSync(fd, `\n==== ${new Date().toISOString()} cluster:up starts ${name}: ${argv.join(' ')}\n`);
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', fd, fd] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', reject);
    });
    child.unref();
    const rec: ProcRecord = {
      name,
      pid,
      startTime: procStat(pid)?.startTime ?? '',
      fingerprint: o.fingerprint,
      argv,
      log,
      startedAt: new Date().toISOString(),
    };
    const tmp = `${p.pid(name)}.tmp`;
    await writeFile(tmp, `${JSON.stringify(rec, null, 2)}\n`);
    await rename(tmp, p.pid(name));
    return rec;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run `fn` holding <state dir>/.lock, so two cluster:up/down runs never work on one state dir at
 * once. The lock file holds the holder's pid and start time; a lock whose holder is gone is taken over.
 */
export async function withLock<T>(p: Paths, say: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  await mkdir(p.dir, { recursive: true });
  const file = `${p.dir}/.lock`;
  const me = `${process.pid} ${procStat(process.pid)?.startTime ?? ''}`;
  let waiting = false;
  for (;;) {
    try {
      await writeFile(file, me, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = '';
      try {
        holder = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const [pid, start] = holder.split(' ');
      if (procStat(Number(pid))?.startTime !== start || !pid) {
        await rm(file, { force: true });
        continue;
      }
      if (!waiting) say(`another cluster:up/down (pid ${pid}) works on ${p.dir}; waiting for it...`);
      waiting = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    if (existsSync(file) && readFileSync(file, 'utf8') === me) await rm(file, { force: true });
  }
}

function signalGroup(pgrp: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgrp, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * Stop the recorded process and everything in its process group: SIGTERM, wait up to
 * `graceMs`, then SIGKILL and wait again. Removes the pid file. Returns how it went.
 * A pid that is no longer ours (start time differs) is left alone.
 */
export async function stopRecord(p: Paths, rec: ProcRecord, graceMs = 10_000): Promise<'not running' | 'stopped' | 'killed' | 'still running'> {
  // The group id is the pid (setsid); its members may outlive the leader, so look at the group.
  const ours = alive(rec);
  const pgrpLive = (): boolean => groupMembers(rec.pid).length > 0;
  // A dead leader (gone, or a zombie not yet reaped) may leave members of its group behind.
  const leader = procStat(rec.pid);
  const leaderGone = leader === undefined || leader.state === 'Z';
  if (!ours && !(leaderGone && pgrpLive())) {
    await rm(p.pid(rec.name), { force: true });
    return 'not running';
  }
  signalGroup(rec.pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && pgrpLive()) await sleep(100);
  let result: 'stopped' | 'killed' | 'still running' = 'stopped';
  if (pgrpLive()) {
    signalGroup(rec.pid, 'SIGKILL');
    result = 'killed';
    const until2 = Date.now() + 5000;
    while (Date.now() < until2 && pgrpLive()) await sleep(100);
    if (pgrpLive()) result = 'still running';
  }
  if (result !== 'still running') await rm(p.pid(rec.name), { force: true });
  return result;
}

/** Wait (up to a bound) until these pids are gone from /proc, zombies included (init reaps them). */
export async function waitReaped(pids: readonly number[], timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && pids.some((pid) => existsSync(`/proc/${pid}`))) await sleep(100);
}

/** SIGKILL single processes (leftovers found by processesMentioning) and wait for them to go. */
export async function killPids(pids: readonly number[], timeoutMs = 5000): Promise<number[]> {
  const starts = new Map(pids.map((pid) => [pid, procStat(pid)?.startTime]));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const gone = (pid: number): boolean => {
    const st = procStat(pid);
    return st === undefined || st.state === 'Z' || st.startTime !== starts.get(pid);
  };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !pids.every(gone)) await sleep(100);
  return pids.filter((pid) => !gone(pid));
}
