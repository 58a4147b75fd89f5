// Reading a command's -f FILE: a file, or standard input for "-"; a file that cannot be read is a
// usage error that names it and says why (the errno code).

import { readFile } from 'node:fs/promises';
import { UsageError } from './flags.ts';

/** The text of FILE ("-": standard input), and the name to use for it in messages. */
export async function readInput(file: string): Promise<{ name: string; text: string }> {
  const name = file === '-' ? 'standard input' : file;
  try {
    return { name, text: file === '-' ? await readStdin() : await readFile(file, 'utf8') };
  } catch (e) {
    throw new UsageError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
