// Helm for the chart tests: the pinned helm binary (cluster/build.sh builds it once into its
// cache; $HAHAHA_HELM overrides it), `helm template` and `helm lint` over values given as objects, and the rendered
// manifests parsed into objects.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHART = join(REPO, 'charts', 'hahaha');

let helmPath: string | undefined;
/** $HAHAHA_HELM (e.g. a Helm 3 binary, to check the chart with it), else the helm of cluster/build.sh (built there when missing). */
export function helm(): string {
  if (helmPath) return helmPath;
  if (process.env.HAHAHA_HELM) return (helmPath = process.env.HAHAHA_HELM);
  const script = join(REPO, 'cluster', 'build.sh');
  let out: string;
  try {
    out = execFileSync('bash', [script, '--print-paths'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    out = execFileSync('bash', [script, 'helm'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  }
  const line = out.split('\n').find((l) => l.startsWith('HELM='));
  if (!line) throw new Error(`cluster/build.sh printed no HELM= line:\n${out}`);
  helmPath = line.slice('HELM='.length);
  return helmPath;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(args: string[]): Promise<Run> {
  return new Promise((res) => {
    execFile(helm(), args, { maxBuffer: 32 << 20, env: { PATH: process.env.PATH, HOME: process.env.HOME, HELM_CACHE_HOME: join(tmpdir(), 'hahaha-helm-cache'), HELM_CONFIG_HOME: join(tmpdir(), 'hahaha-helm-config'), HELM_DATA_HOME: join(tmpdir(), 'hahaha-helm-data') } }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Run helm with the values written to a temporary file (-f), as a user's values file would be: an
 * object is written as YAML, a string as it is (to see how Helm itself reads a values file's text).
 */
async function withValues(args: string[], values: object | string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hahaha-chart-'));
  try {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, typeof values === 'string' ? values : stringify(values));
    return await run([...args, '-f', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const RELEASE = 'hahaha';
export const NAMESPACE = 'hahaha-system';

/** `helm template` text (throws with helm's message when the render fails). */
export async function templateText(values: object | string = {}, o: { release?: string; namespace?: string } = {}): Promise<string> {
  const r = await templateRun(values, o);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export function templateRun(values: object | string = {}, o: { release?: string; namespace?: string } = {}): Promise<Run> {
  return withValues(['template', o.release ?? RELEASE, CHART, '--namespace', o.namespace ?? NAMESPACE], values);
}

/** `helm install --dry-run=client`: the manifests and NOTES.txt, without a cluster. */
export function installDryRun(values: object = {}): Promise<Run> {
  return withValues(['install', RELEASE, CHART, '--namespace', NAMESPACE, '--dry-run=client'], values);
}

export function lint(values: object = {}): Promise<Run> {
  return withValues(['lint', '--strict', CHART, '--namespace', NAMESPACE], values);
}

// Loose shapes of the Kubernetes objects the tests look into.
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export async function render(values: object = {}, o: { release?: string; namespace?: string } = {}): Promise<K8sObject[]> {
  return parseManifests(await templateText(values, o));
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0]!;
}

/** The base64 of a PEM made-up certificate, for existingSecret renders (never parsed as X.509 by the chart). */
export const FAKE_CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n').toString('base64');
