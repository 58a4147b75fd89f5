#!/usr/bin/env node
// Entry point of the `hahaha` binary: picks the command, parses its flags, turns usage errors into
// a one-line message and exit status 2, and never prints a stack trace for a user's mistake.

import { COMMANDS } from './commands.ts';
import { UsageError, helpText, parseFlags } from './flags.ts';

const TOP = `Usage: hahaha <command> [flags]

hahaha makes Kubernetes Jobs with sidecars finish: its admission webhook writes each sidecar's
shutdown action into the pod, and its controller carries it out once the main container is done.

Commands:
  serve     serve the admission webhooks (and the shutdown controller)
  explain   show what hahaha makes of a pod manifest
  convert   print manifests with their sidecars made native
  certs     make a CA and a serving certificate for the webhook

Run 'hahaha <command> --help' for the flags of a command.
`;

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(TOP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`hahaha: unknown command ${JSON.stringify(name)}\n\n${TOP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(helpText(command.usage, command.summary, command.flags));
    return 0;
  }
  try {
    const { values, positionals } = parseFlags(command.flags, rest, env);
    return await command.run(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hahaha ${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`hahaha ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
