// The configuration that the webhooks, the controller and `hahaha explain` share: the managed-pod
// selector, the effective catalog (built-in, extended or replaced by a file) and the exec policy.
// This is the one place that reads the catalog file; every error names the flag or file at fault.

import { readFile } from 'node:fs/promises';
import type { Config } from './core/analysis.ts';
import { BUILTIN_CATALOG, loadCatalog } from './core/catalog.ts';
import { execPolicy } from './core/policy.ts';
import { parseSelector } from './core/selector.ts';

export const DEFAULT_SELECTOR = 'nais.io/naisjob=true';

export interface ConfigInput {
  readonly selector: string;
  readonly catalogFile?: string | undefined;
  readonly allowExec?: readonly string[] | undefined;
}

export type ConfigResult = { ok: true; value: Config } | { ok: false; error: string };

export async function loadConfig(input: ConfigInput): Promise<ConfigResult> {
  const selector = parseSelector(input.selector);
  if (!selector.ok) return { ok: false, error: `--selector: ${selector.error}` };
  let catalog = BUILTIN_CATALOG;
  if (input.catalogFile) {
    let text: string;
    try {
      text = await readFile(input.catalogFile, 'utf8');
    } catch (e) {
      return { ok: false, error: `--catalog: cannot read ${input.catalogFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    const loaded = loadCatalog(text, input.catalogFile);
    if (!loaded.ok) return { ok: false, error: `--catalog: ${loaded.error}` };
    catalog = loaded.value;
  }
  const policy = execPolicy(catalog, input.allowExec ?? []);
  if (!policy.ok) return { ok: false, error: policy.error };
  return { ok: true, value: { selector: selector.value, catalog, policy: policy.value } };
}
