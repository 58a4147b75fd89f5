// `hahaha convert`: print manifests with their sidecars made native, as the mutating webhook would
// make them. Reads each -f FILE (or standard input), writes the manifests to standard output and a
// note per sidecar to standard error; never writes a file, and prints nothing if any input is bad.

import { DEFAULT_SELECTOR, loadConfig } from '../config.ts';
import type { Command } from './commands.ts';
import { UsageError } from './flags.ts';
import { readInput } from './input.ts';

export const convertCommand: Command = {
  usage: 'hahaha convert -f FILE|- [-f FILE ...] [flags] > converted.yaml',
  summary:
    'Print the manifests (Pod, Job, CronJob, List; YAML or JSON) with their sidecars made native, as the mutating webhook\n' +
    'would: each known sidecar moves to the end of initContainers with restartPolicy: Always, and injectors are asked for\n' +
    "native sidecars. A pod's own hahaha.nais.io/native-sidecars or enabled: \"false\" keeps it as it is. Comments and the\n" +
    'order of keys are kept; other kinds pass through. What moved and what stays (and why) goes to standard error. Exits 1,\n' +
    'printing nothing, when a manifest is malformed or would be denied by the validating webhook.',
  flags: {
    filename: { type: 'string', short: 'f', multiple: true, noEnv: true, metavar: 'FILE', help: 'a manifest to convert, "-" for standard input' },
    catalog: { type: 'string', metavar: 'FILE', help: 'YAML or JSON file that extends (or, with replace: true, replaces) the built-in catalog' },
    'allow-exec': { type: 'string', multiple: true, metavar: 'COMMAND', help: 'also allow this exec command in annotations; a "*" word matches any one argument' },
  },
  async run(v, positionals) {
    const files = v.filename as string[];
    if (positionals.length) throw new UsageError(`convert takes no arguments, got ${positionals.join(' ')}; give manifests with -f FILE`);
    if (!files.length) throw new UsageError('convert needs -f FILE (or -f - for standard input)');
    const config = await loadConfig({ selector: DEFAULT_SELECTOR, catalogFile: v.catalog as string | undefined, allowExec: v['allow-exec'] as string[] });
    if (!config.ok) throw new UsageError(config.error);
    const { convertManifests } = await import('../core/manifest.ts');
    const outputs: string[] = [];
    const notes: string[] = [];
    const errors: string[] = [];
    for (const file of files) {
      const { name, text } = await readInput(file);
      const r = convertManifests(text, name, config.value);
      outputs.push(r.output);
      notes.push(...r.notes);
      errors.push(...r.errors);
    }
    if (errors.length) {
      process.stderr.write(`${errors.join('\n')}\n`);
      return 1;
    }
    if (notes.length) process.stderr.write(`${notes.join('\n')}\n`);
    process.stdout.write(joinStreams(outputs));
    return 0;
  },
};

/** Several files as one YAML stream: each ends with a newline, and a `---` starts each one after the first. */
function joinStreams(outputs: readonly string[]): string {
  let out = '';
  for (const o of outputs) {
    if (o.trim() === '') continue;
    if (out && !/^---(\s|$)/.test(o)) out += '---\n';
    out += o.endsWith('\n') ? o : `${o}\n`;
  }
  return out;
}

