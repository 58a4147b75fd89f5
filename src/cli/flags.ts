// Command-line flags with environment fallbacks: each flag --some-name also reads HAHAHA_SOME_NAME
// (a repeatable flag reads one value per line). Parses with node:util parseArgs, checks types and
// ranges, and writes the --help text from the same table, so help and behaviour cannot drift.

import { parseArgs } from 'node:util';

export interface FlagSpec {
  readonly type: 'string' | 'boolean' | 'port' | 'number' | 'duration';
  readonly help: string;
  readonly default?: string | number | boolean;
  readonly multiple?: boolean;
  readonly short?: string;
  readonly metavar?: string;
  /** Allowed values, for string flags. */
  readonly choices?: readonly string[];
  /** Does not read an environment variable (e.g. -f FILE). */
  readonly noEnv?: boolean;
  /** The allowed range of a number (or of a duration, in ms), both ends included. */
  readonly range?: readonly [number, number];
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;
export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export class UsageError extends Error {}

export const envName = (flag: string): string => `HAHAHA_${flag.toUpperCase().replaceAll('-', '_')}`;

export function parseFlags(table: FlagTable, argv: readonly string[], env: NodeJS.ProcessEnv): { values: FlagValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const values: FlagValues = {};
  for (const [name, spec] of Object.entries(table)) {
    const fromArgs = (parsed.values as Record<string, unknown>)[name];
    const envText = spec.noEnv ? undefined : env[envName(name)];
    const source = fromArgs !== undefined ? `--${name}` : `${envName(name)} (for --${name})`;
    let raw: unknown = fromArgs;
    if (raw === undefined && envText !== undefined && envText !== '') {
      if (spec.type === 'boolean') {
        if (!['true', 'false', '1', '0'].includes(envText)) throw new UsageError(`${source}: expected true or false, got ${JSON.stringify(envText)}`);
        raw = envText === 'true' || envText === '1';
      } else {
        raw = spec.multiple ? envText.split('\n').filter((l) => l.trim() !== '') : envText;
      }
    }
    if (raw === undefined) raw = spec.default ?? (spec.multiple ? [] : undefined);
    values[name] = check(spec, raw, source);
  }
  return { values, positionals: parsed.positionals };
}

function check(spec: FlagSpec, raw: unknown, source: string): FlagValues[string] {
  if (raw === undefined || spec.type === 'boolean' || spec.multiple) return raw as FlagValues[string];
  if (spec.type === 'duration') {
    const ms = parseDuration(raw as string);
    if (ms === undefined) throw new UsageError(`${source}: expected a duration such as 30s, 2m or 500ms, got ${JSON.stringify(raw)}`);
    if (spec.range && !(ms >= spec.range[0] && ms <= spec.range[1])) {
      throw new UsageError(`${source}: must be from ${formatDuration(spec.range[0])} to ${formatDuration(spec.range[1])}, got ${JSON.stringify(raw)}`);
    }
    return ms;
  }
  if (spec.type === 'port' || spec.type === 'number') {
    const text = raw as string;
    const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (spec.type === 'port' && !(n >= 0 && n <= 65535)) throw new UsageError(`${source}: expected a port number 0..65535, got ${JSON.stringify(text)}`);
    if (!(n >= 0)) throw new UsageError(`${source}: expected a whole number, got ${JSON.stringify(text)}`);
    if (spec.range && !(n >= spec.range[0] && n <= spec.range[1])) throw new UsageError(`${source}: must be from ${spec.range[0]} to ${spec.range[1]}, got ${text}`);
    return n;
  }
  if (spec.choices && !spec.choices.includes(raw as string)) {
    throw new UsageError(`${source}: expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as string;
}

/** "30s", "2m", "1h", "500ms", or a plain number of seconds, in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** 500ms, 30s, 10m, 2h: the largest unit that divides the value. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function helpText(usage: string, summary: string, table: FlagTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const meta = spec.type === 'boolean' ? '' : ` ${spec.metavar ?? { port: 'PORT', number: 'N', duration: 'DURATION', string: 'VALUE' }[spec.type]}`;
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${meta}`;
    const extra = [
      spec.multiple ? 'repeatable' : '',
      spec.default !== undefined && spec.default !== false ? `default ${JSON.stringify(spec.default)}` : '',
      spec.range ? `${spec.type === 'duration' ? formatDuration(spec.range[0]) : spec.range[0]} to ${spec.type === 'duration' ? formatDuration(spec.range[1]) : spec.range[1]}` : '',
      spec.noEnv ? '' : `env ${envName(name)}`,
    ].filter(Boolean);
    return `  ${left.padEnd(30)} ${spec.help}${extra.length ? ` (${extra.join('; ')})` : ''}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${rows.join('\n')}\n  -h, --help                     show this help\n`;
}
