// Shared test helpers: fixture pods and the default configuration (built-in catalog, default
// selector, default exec policy), built through the same functions the product uses.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Config } from '../src/core/analysis.ts';
import { BUILTIN_CATALOG, type Catalog } from '../src/core/catalog.ts';
import { execPolicy } from '../src/core/policy.ts';
import { parseSelector } from '../src/core/selector.ts';

export const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** A fixture pod as a plain object (fresh each call, so tests may change it). */
export const pod = (name: string): Record<string, unknown> & { metadata: Record<string, unknown> & { annotations?: Record<string, string> } } =>
  parse(readFileSync(fixture(`pods/${name}.yaml`), 'utf8')) as ReturnType<typeof pod>;

export function config(opts: { selector?: string; catalog?: Catalog; allowExec?: string[] } = {}): Config {
  const selector = parseSelector(opts.selector ?? 'nais.io/naisjob=true');
  if (!selector.ok) throw new Error(selector.error);
  const catalog = opts.catalog ?? BUILTIN_CATALOG;
  const policy = execPolicy(catalog, opts.allowExec ?? []);
  if (!policy.ok) throw new Error(policy.error);
  return { selector: selector.value, catalog, policy: policy.value };
}

/** Exactly the annotations the mutating webhook adds to the naisjob fixture: the catalog actions of docs/design.md and the linkerd prerequisite. */
export const NAISJOB_ANNOTATIONS: Readonly<Record<string, string>> = {
  'hahaha.nais.io/main-container': 'dataloader',
  'config.linkerd.io/proxy-admin-shutdown': 'enabled',
  'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit',
  'shutdown.hahaha.nais.io/secure-logs-fluentd': 'GET :24444/api/processes.killWorkers',
  'shutdown.hahaha.nais.io/secure-logs-configmap-reload': 'exec /bin/killall configmap-reload',
  'shutdown.hahaha.nais.io/vks-sidecar': 'exec /bin/kill -s INT 1',
};
