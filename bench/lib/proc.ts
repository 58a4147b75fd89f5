// What the benchmarks read of a process they started: its RSS now and at its peak, its CPU time
// (from /proc), and its first JSON log line carrying a port. Also the CPU pinning: on two or more
// cores, servers run on the last core and load generators on the first, so that neither measures
// the other's work.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const status = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
/** Resident memory now, MiB. */
export const rssOf = (pid: number): number => status(pid, 'VmRSS');
/** The highest resident memory so far, MiB. */
export const peakRssOf = (pid: number): number => status(pid, 'VmHWM');
/** CPU time (user + system) so far, ms (Linux clock ticks are 100 per second). */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const cores = availableParallelism();
/** The command, pinned to a core with taskset when there are two: 'server' to the last, 'client' to the first. */
export function pinned(role: 'server' | 'client', argv: readonly string[]): string[] {
  if (cores < 2) return [...argv];
  return ['taskset', '-c', String(role === 'server' ? cores - 1 : 0), ...argv];
}

export interface Started { readonly child: ChildProcess; readonly pid: number; readonly port: number; readonly log: () => string }

/** Start a server and wait (up to 20 s) for a stdout line with "port":N (or another field: "metricsPort"). */
export async function startServer(name: string, argv: readonly string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }, field = 'port'): Promise<Started> {
  const [cmd, ...args] = pinned('server', argv);
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no port within 20 s: ${out}`)), 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = new RegExp(`"${field}":(\\d+)`).exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${out}`)));
  });
  return { child, pid: child.pid as number, port, log: () => out };
}

/** SIGTERM and wait for the exit (a --cpu-prof profile is written then). */
export function stop(s: Started): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve();
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

/** `--import` of bench/lib/loopwatch.js, which prints the event loop's long gaps with the main thread's CPU in them. */
export const loopWatchFlags = (): string[] => ['--import', new URL('./loopwatch.js', import.meta.url).pathname];

export interface LoopGap {
  /** When the gap ended, ms since the epoch. */
  readonly t: number;
  readonly gapMs: number;
  /** The main thread's CPU time in the gap. */
  readonly cpuMs: number;
}

/** The LOOPWATCH lines of a log that end between two times (ms since the epoch), longest gap first. */
export function loopGaps(log: string, from: number, to: number): LoopGap[] {
  const out: LoopGap[] = [];
  for (const m of log.matchAll(/^LOOPWATCH (\{.*\})$/gm)) {
    const g = JSON.parse(m[1] as string) as LoopGap;
    if (g.t >= from && g.t <= to) out.push(g);
  }
  return out.sort((a, b) => b.gapMs - a.gapMs);
}

/** An idle Node process with loopwatch, on the servers' core: how late a loop that does nothing wakes there. It exits when its parent does. */
export const startCanary = (node: string): Promise<Started> =>
  startServer('canary', [node, ...loopWatchFlags(), '-e', 'const parent = process.ppid; console.log(JSON.stringify({ port: 0 })); setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000);']);

/** The Node flags of the image's ENTRYPOINT (between node and main.js), so that a benchmark runs hahaha as the image does. */
export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (!entry) throw new Error('Dockerfile: no ENTRYPOINT in exec form');
  const argv = JSON.parse(entry) as string[];
  return argv.slice(1, argv.findIndex((a) => a.endsWith('main.js')));
}

/** What bench/lib/load.ts prints for one run. */
export interface Load { requests: number; seconds: number; rps: number; p50: number; p90: number; p99: number; max: number; errors: number; non2xx: number }

/** One autocannon run against https://127.0.0.1:port/mutate, in a process of its own (pinned as a client). */
export function loadMutate(o: { port: number; ca: string; body: string; connections?: number } & ({ amount: number } | { seconds: number })): Promise<Load> {
  const { port, connections = 8, ...rest } = o;
  const script = new URL('load.ts', import.meta.url).pathname;
  const [cmd, ...args] = pinned('client', [process.execPath, script, JSON.stringify({ url: `https://127.0.0.1:${port}/mutate`, connections, ...rest })]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Load) : reject(new Error(`load generator exited ${code}: ${out}`))));
  });
}
