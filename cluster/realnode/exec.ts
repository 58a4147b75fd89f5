// Runs the host commands the real node needs (ip, iptables, ctr, runc, mount tools): argument
// arrays, never a shell, every call with a time limit, and an error that names the command and
// carries the tail of what it printed.

import { spawn } from 'node:child_process';

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: o.env ?? process.env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: o.timeoutMs ?? 30_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (o.input !== undefined) child.stdin?.end(o.input);
    child.once('error', (e) => reject(new Error(`${cmd} ${args.join(' ')}: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (signal) stderr += `\n(killed by ${signal}${signal === 'SIGKILL' ? `, after ${(o.timeoutMs ?? 30_000) / 1000} s?` : ''})`;
      resolve({ code, stdout, stderr });
    });
  });
}

const tail = (s: string, n = 12): string => s.trimEnd().split('\n').slice(-n).join('\n');

/** Run and require exit status 0; the error says which command failed and what it printed. */
export async function must(cmd: string, args: readonly string[], o: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, o);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? 'by signal'}:\n${tail(`${r.stderr}\n${r.stdout}`)}`);
  return r.stdout;
}
