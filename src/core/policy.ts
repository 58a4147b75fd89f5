// The exec policy: which commands a user may ask hahaha to exec in a sidecar. Without it, anyone
// who can create a pod could make hahaha's service account run any command in any pod it can
// reach. Default: exactly the catalog's exec steps; `--allow-exec` adds patterns in which a `*`
// word matches any one argument. HTTP steps are always allowed: they reach only the pod's ports.

import { type Action, type ExecStep, formatStep, parseAction } from './action.ts';
import type { Catalog } from './catalog.ts';

export interface ExecPolicy {
  readonly patterns: readonly (readonly string[])[];
}

export type PolicyResult = { ok: true; value: ExecPolicy } | { ok: false; error: string };

/** The policy from the catalog's exec steps plus `--allow-exec` patterns (with or without "exec "). */
export function execPolicy(catalog: Catalog, allow: readonly string[] = []): PolicyResult {
  const patterns: string[][] = [];
  for (const e of catalog) for (const s of e.action) if (s.kind === 'exec') patterns.push([...s.argv]);
  for (const text of allow) {
    const r = parseAction(text.startsWith('exec ') ? text : `exec ${text}`);
    const step = r.ok && r.value.length === 1 ? r.value[0] : undefined;
    if (!step || step.kind !== 'exec') {
      return { ok: false, error: `--allow-exec ${JSON.stringify(text)}: ${r.ok ? 'expected one command' : r.error.message}` };
    }
    patterns.push([...step.argv]);
  }
  return { ok: true, value: { patterns } };
}

export function allowsExec(policy: ExecPolicy, argv: readonly string[]): boolean {
  return policy.patterns.some((p) => p.length === argv.length && p.every((w, i) => w === '*' || w === argv[i]));
}

/** The first exec step of an action that the policy refuses, with its position. */
export function refusedStep(policy: ExecPolicy, action: Action): { step: ExecStep; index: number } | undefined {
  const index = action.findIndex((s) => s.kind === 'exec' && !allowsExec(policy, s.argv));
  return index < 0 ? undefined : { step: action[index] as ExecStep, index };
}

export function describeRefusal(step: ExecStep): string {
  return `${JSON.stringify(formatStep(step))} is not allowed by the exec policy (allowed: the catalog's exec steps and --allow-exec patterns)`;
}
