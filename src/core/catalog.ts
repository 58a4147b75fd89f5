// The catalog of known sidecars: how each one is shut down and what it needs for that to work.
// Entries match a container by name or by image repository (registry and tag ignored). The
// built-in entries are docs/design.md's catalog; a file given with --catalog extends them (its entries
// win) or replaces them. Everything here is pure: loading reads text the caller has read.

import { parse as parseYaml } from 'yaml';
import { type Action, type HttpStep, parseAction, mustParseAction } from './action.ts';
import type { ContainerView } from './pod.ts';
import { type Obj, isObj } from './json.ts';
import { annotationKeyProblem } from './annotations.ts';

/** Something the sidecar needs before its shutdown endpoint answers. */
export type Prerequisite =
  /** A pod annotation that must hold this value. */
  | { readonly annotation: string; readonly value: string }
  /** A command-line flag of the container (or the env variable that sets it) that must be on. */
  | { readonly flag: string; readonly env?: string };

/**
 * How a sidecar becomes native (an init container with restartPolicy Always) when its pod is
 * converted: hahaha moves it out of spec.containers; or its injector is asked, through these pod
 * annotations, to inject it natively (hahaha never moves what an injector made); or never.
 */
export type NativeWay =
  | { readonly kind: 'move' }
  | { readonly kind: 'injector'; readonly annotations: Readonly<Record<string, string>> }
  | { readonly kind: 'never'; readonly why?: string };

/** Where the HTTP port of the action is configured, when it can move. */
export type PortSource = { readonly annotation: string } | { readonly flag: string; readonly env?: string };

export interface CatalogEntry {
  /** Container names that this entry matches exactly. */
  readonly names: readonly string[];
  /** Image repository patterns; `*` matches anything, registry and tag are ignored. */
  readonly images: readonly string[];
  readonly action: Action;
  /** Pod annotations the webhook adds to every managed pod unless set (read by the sidecar's own injector). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly requires: readonly Prerequisite[];
  readonly port?: PortSource;
  /** How the sidecar becomes native when its pod is converted (default: moved). */
  readonly native: NativeWay;
  /** Where the endpoint comes from, for people. */
  readonly source?: string;
}

export type Catalog = readonly CatalogEntry[];

const entry = (e: Partial<Omit<CatalogEntry, 'action'>> & { names: string[]; action: string }): CatalogEntry => ({
  images: [],
  podAnnotations: {},
  requires: [],
  native: { kind: 'move' },
  ...e,
  action: mustParseAction(e.action),
});

export const BUILTIN_CATALOG: Catalog = [
  entry({
    names: ['linkerd-proxy'],
    images: ['*/linkerd/proxy'],
    action: 'POST :4191/shutdown',
    podAnnotations: { 'config.linkerd.io/proxy-admin-shutdown': 'enabled' },
    requires: [{ annotation: 'config.linkerd.io/proxy-admin-shutdown', value: 'enabled' }],
    // linkerd2 pkg/k8s/labels.go and pkg/inject/inject.go: the injector reads the stable key
    // (edge-26.5.2, 2.20), then beta (2.19), then alpha (2.15), each with strconv.ParseBool; all
    // three are written so that every Linkerd in the field sees its own.
    native: {
      kind: 'injector',
      annotations: {
        'config.linkerd.io/proxy-enable-native-sidecar': 'true',
        'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true',
        'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true',
      },
    },
    source: 'linkerd2-proxy admin server; off unless the pod has config.linkerd.io/proxy-admin-shutdown: enabled (Linkerd 2.16+)',
  }),
  entry({
    names: ['istio-proxy'],
    images: ['*/proxyv2'],
    action: 'POST :15020/quitquitquit',
    // istio pkg/kube/inject/inject.go: the pod annotation takes precedence over the mesh's
    // ENABLE_NATIVE_SIDECARS (pilot/pkg/features/pilot.go; "auto" = every node >= 1.33).
    native: { kind: 'injector', annotations: { 'sidecar.istio.io/nativeSidecar': 'true' } },
    source: "pilot-agent's status port (Istio 1.3+); quitting envoy alone on :15000 lets pilot-agent restart it",
  }),
  entry({
    names: ['cloudsql-proxy', 'cloud-sql-proxy'],
    images: ['*/cloud-sql-proxy'],
    action: 'POST :9091/quitquitquit',
    requires: [{ flag: '--quitquitquit', env: 'CSQL_PROXY_QUITQUITQUIT' }],
    port: { flag: '--admin-port', env: 'CSQL_PROXY_ADMIN_PORT' },
    source: 'Cloud SQL Auth Proxy v2 admin server, with --quitquitquit; the port follows --admin-port',
  }),
  entry({
    names: ['vault-agent'],
    images: ['*/vault'],
    action: 'POST :8200/agent/v1/quit',
    requires: [{ annotation: 'vault.hashicorp.com/agent-enable-quit', value: 'true' }],
    port: { annotation: 'vault.hashicorp.com/agent-cache-listener-port' },
    // vault-k8s has no native mode: its container is moved on re-invocation. It never injects twice
    // (agent-inject/agent/agent.go ShouldInject skips a pod with agent-inject-status: injected), and
    // its chart leaves reinvocationPolicy at Never.
    source: 'Vault Agent /agent/v1/quit, with vault.hashicorp.com/agent-enable-quit: "true"',
  }),
  entry({
    names: ['daprd'],
    images: ['*/daprd'],
    action: 'POST :3500/v1.0/shutdown',
    // dapr pkg/injector/annotations/annotations.go KeyEnableNativeSidecar (Dapr 1.18+); the pod's
    // annotation overrides the injector's NATIVE_SIDECAR_ENABLED (pkg/injector/service/pod_patch.go).
    native: { kind: 'injector', annotations: { 'dapr.io/enable-native-sidecar': 'true' } },
    source: 'Dapr sidecar HTTP API',
  }),
  entry({
    names: ['secure-logs-fluentd'],
    action: 'GET :24444/api/processes.killWorkers',
    source: 'fluentd rpc_endpoint',
  }),
  entry({ names: ['secure-logs-configmap-reload'], action: 'exec /bin/killall configmap-reload' }),
  entry({ names: ['vks-sidecar'], action: 'exec /bin/kill -s INT 1' }),
];

// --- matching ---------------------------------------------------------------------------------

/** The repository of an image reference, normalised as Docker does (`vault` is docker.io/library/vault). */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0] ?? '';
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  if (parts.length === 1) return `docker.io/library/${ref}`;
  const host = parts[0] ?? '';
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return `docker.io/${ref}`;
  return ref;
}

/**
 * The longest image reference that can match an image pattern. A pod author chooses the image, and
 * nothing else bounds its length before the webhook reads it (the mutating webhook sees a pod before
 * the apiserver validates it), so an image longer than this never matches by image: it is not a real
 * image reference, and it gets what any unknown image gets (a match by container name still works).
 * Real references are a few hundred characters at most: distribution's reference grammar caps the
 * name (registry host and repository path) at 255 characters and a tag at 128, and a sha512 digest
 * is 135, about 520 in all. It is not cut to its first characters instead: the cut would drop the
 * tag or digest and could end inside a path segment, so `…/linkerd/proxy-not-really` cut after
 * `proxy` would match `*\/linkerd/proxy`.
 */
export const MAX_IMAGE_LENGTH = 1024;

/**
 * A compiled image pattern: the literal pieces between its `*`s. `*` matches any run of characters,
 * `/` included, and nothing else is special. A pattern without `*` is an image reference, normalised
 * as the image is (`vault` is docker.io/library/vault), and matches that repository exactly.
 */
interface Glob {
  /** The pieces of the pattern split on `*`: one piece (no `*`) is an exact match. */
  readonly pieces: readonly string[];
}

const globCache = new Map<string, Glob>();
function glob(pattern: string): Glob {
  let g = globCache.get(pattern);
  if (!g) {
    g = { pieces: pattern.includes('*') ? pattern.split('*') : [imageRepository(pattern)] };
    globCache.set(pattern, g);
  }
  return g;
}

/**
 * Whether `text` matches the pattern, in time linear in the text and the pattern. For a pattern of
 * `*`s and literals the leftmost-first search is exact: the first piece must be a prefix, the last a
 * suffix, and each middle piece is looked for from where the previous one ended, inside what the
 * suffix leaves; taking the earliest place for a piece never loses a match, since it leaves the most
 * text for the pieces after it. Each piece is searched for once, and each search starts where the
 * previous one's match ended, so the text is passed over once however many `*`s the pattern has
 * (V8's indexOf is linear: a naive scan only for pieces under 7 characters, Boyer-Moore above). The
 * regex this replaces backtracked: `*a*a*a*b` against 500 `a`s took 29 s, `*\/team/*-exporter`
 * against 40,000 characters 0.55 s (test/core/catalog-glob.test.ts).
 */
export function globMatches(pattern: string, text: string): boolean {
  const { pieces } = glob(pattern);
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  let at = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    if (piece === '') continue;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** The entry for a container: by name first, then by image (an image over MAX_IMAGE_LENGTH matches none). */
export function matchCatalog(catalog: Catalog, container: Pick<ContainerView, 'name' | 'image'>): CatalogEntry | undefined {
  const byName = catalog.find((e) => e.names.includes(container.name));
  if (byName || !container.image || container.image.length > MAX_IMAGE_LENGTH) return byName;
  const repo = imageRepository(container.image);
  return catalog.find((e) => e.images.some((p) => globMatches(p, repo)));
}

// --- prerequisites ----------------------------------------------------------------------------

/** The value of a command-line flag (`--f=v`, `--f v`, bare `--f` is "true"), or of its env variable. */
export function flagValue(container: ContainerView, flag: string, env?: string): string | undefined {
  const { command, args } = container;
  const short = flag.startsWith('--') ? flag.slice(1) : flag;
  const n = command.length + args.length;
  const at = (i: number): string | undefined => (i < command.length ? command[i] : args[i - command.length]);
  for (let i = 0; i < n; i++) {
    const a = at(i) as string;
    if (a.charCodeAt(0) !== 45 /* - */) continue;
    // The flag as given, then its one-dash form.
    for (let form = 0; form < (short === flag ? 1 : 2); form++) {
      const name = form === 0 ? flag : short;
      if (a === name) {
        const next = at(i + 1);
        return next !== undefined && !next.startsWith('-') ? next : 'true';
      }
      if (a.length > name.length && a.startsWith(name) && a.charCodeAt(name.length) === 61 /* = */) return a.slice(name.length + 1);
    }
  }
  if (env) return container.env.find((e) => e.name === env)?.value;
  return undefined;
}

function requirementText(requirement: Prerequisite | PortSource): string {
  if ('annotation' in requirement) return `annotation ${requirement.annotation}`;
  return requirement.env ? `flag ${requirement.flag} (or env ${requirement.env})` : `flag ${requirement.flag}`;
}

/** Warnings for prerequisites that the pod (with `annotations` as they will be) does not meet. */
export function unmetPrerequisites(
  e: CatalogEntry,
  container: ContainerView,
  annotations: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  for (const p of e.requires) {
    if ('annotation' in p) {
      const v = annotations[p.annotation];
      if (v !== p.value) {
        out.push(
          `${container.name}: its shutdown endpoint needs ${p.annotation}: ${JSON.stringify(p.value)}` +
            (v === undefined ? ', which the pod does not have' : `, the pod has ${JSON.stringify(v)}`),
        );
      }
    } else {
      const v = flagValue(container, p.flag, p.env);
      if (v === undefined || v === 'false') {
        out.push(`${container.name}: its shutdown endpoint needs the ${requirementText(p)}, which the container does not set`);
      }
    }
  }
  return out;
}

/** The entry's action for this container, with the port moved where the pod says it is. */
export function catalogAction(
  e: CatalogEntry,
  container: ContainerView,
  annotations: Readonly<Record<string, string>>,
): { action: Action; warnings: string[] } {
  if (!e.port) return { action: e.action, warnings: [] };
  const raw = 'annotation' in e.port ? annotations[e.port.annotation] : flagValue(container, e.port.flag, e.port.env);
  if (raw === undefined) return { action: e.action, warnings: [] };
  const port = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    return {
      action: e.action,
      warnings: [`${container.name}: ${requirementText(e.port)} is ${JSON.stringify(raw)}, not a port; using the default`],
    };
  }
  return {
    action: e.action.map((s): typeof s => (s.kind === 'http' ? ({ ...s, port } satisfies HttpStep) : s)),
    warnings: [],
  };
}

// --- loading a catalog file -------------------------------------------------------------------

export type CatalogResult = { ok: true; value: Catalog } | { ok: false; error: string };


class CatalogError extends Error {}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  throw new CatalogError(`${where}: expected a string or a list of strings`);
}

function knownKeys(obj: Obj, keys: readonly string[], where: string): void {
  const extra = Object.keys(obj).find((k) => !keys.includes(k));
  if (extra !== undefined) throw new CatalogError(`${where}: unknown field ${JSON.stringify(extra)} (known: ${keys.join(', ')})`);
}

function flagOrAnnotation(v: unknown, where: string, needsValue: boolean): Prerequisite | PortSource {
  if (!isObj(v)) throw new CatalogError(`${where}: expected a map with "annotation" or "flag"`);
  if (typeof v.annotation === 'string') {
    knownKeys(v, needsValue ? ['annotation', 'value'] : ['annotation'], where);
    if (!needsValue) return { annotation: v.annotation };
    if (typeof v.value !== 'string') throw new CatalogError(`${where}.value: expected the annotation's required value (a string)`);
    return { annotation: v.annotation, value: v.value };
  }
  if (typeof v.flag === 'string' && v.flag.startsWith('-')) {
    knownKeys(v, ['flag', 'env'], where);
    if (v.env !== undefined && typeof v.env !== 'string') throw new CatalogError(`${where}.env: expected a string`);
    return typeof v.env === 'string' ? { flag: v.flag, env: v.env } : { flag: v.flag };
  }
  throw new CatalogError(`${where}: expected {annotation: <key>${needsValue ? ', value: <value>' : ''}} or {flag: --<name>, env: <NAME>}`);
}

/** `native: move | never | {injector: {<annotation>: <value>, ...}}`; absent is move. */
function nativeWay(v: unknown, where: string): NativeWay {
  if (v === undefined || v === 'move') return { kind: 'move' };
  if (v === 'never') return { kind: 'never', why: 'the catalog says never' };
  if (isObj(v) && isObj(v.injector)) {
    knownKeys(v, ['injector'], where);
    const annotations: Record<string, string> = {};
    for (const [k, val] of Object.entries(v.injector)) {
      if (typeof val !== 'string') throw new CatalogError(`${where}.injector.${k}: expected a string`);
      annotations[k] = val;
    }
    if (Object.keys(annotations).length === 0) throw new CatalogError(`${where}.injector: expected at least one annotation that asks the injector for a native sidecar`);
    return { kind: 'injector', annotations };
  }
  throw new CatalogError(`${where}: expected "move", "never" or {injector: {<annotation>: <value>}}, got ${JSON.stringify(v)}`);
}

function fileEntry(v: unknown, where: string): CatalogEntry {
  if (!isObj(v)) throw new CatalogError(`${where}: expected a map`);
  knownKeys(v, ['name', 'names', 'image', 'images', 'action', 'podAnnotations', 'requires', 'port', 'native', 'source'], where);
  const names = [...stringList(v.name, `${where}.name`), ...stringList(v.names, `${where}.names`)];
  const images = [...stringList(v.image, `${where}.image`), ...stringList(v.images, `${where}.images`)];
  if (names.length + images.length === 0) throw new CatalogError(`${where}: needs "name(s)" or "image(s)" to match containers by`);
  if (typeof v.action !== 'string') throw new CatalogError(`${where}.action: expected the action text, e.g. "POST :8080/quit"`);
  const action = parseAction(v.action);
  if (!action.ok) throw new CatalogError(`${where}.action: ${action.error.message}`);
  const podAnnotations: Record<string, string> = {};
  if (v.podAnnotations !== undefined) {
    if (!isObj(v.podAnnotations)) throw new CatalogError(`${where}.podAnnotations: expected a map of strings`);
    for (const [k, val] of Object.entries(v.podAnnotations)) {
      // Checked here as the apiserver checks it: one bad key would make it reject every managed pod.
      const bad = annotationKeyProblem(k);
      if (bad) throw new CatalogError(`${where}.podAnnotations: ${JSON.stringify(k)} is not a valid annotation key: ${bad}`);
      if (typeof val !== 'string') throw new CatalogError(`${where}.podAnnotations.${k}: expected a string`);
      if (val.length > 65_536) throw new CatalogError(`${where}.podAnnotations.${k}: the value is ${val.length} characters long; at most 65536 (all of a pod's annotations together may not pass 256 KiB)`);
      podAnnotations[k] = val;
    }
  }
  if (v.requires !== undefined && !Array.isArray(v.requires)) throw new CatalogError(`${where}.requires: expected a list`);
  const requires = ((v.requires as unknown[] | undefined) ?? []).map(
    (r, i) => flagOrAnnotation(r, `${where}.requires[${i}]`, true) as Prerequisite,
  );
  return {
    names,
    images,
    action: action.value,
    podAnnotations,
    requires,
    ...(v.port !== undefined ? { port: flagOrAnnotation(v.port, `${where}.port`, false) } : {}),
    native: nativeWay(v.native, `${where}.native`),
    ...(typeof v.source === 'string' ? { source: v.source } : {}),
  };
}

/**
 * Build the effective catalog from a file's text (YAML or JSON: JSON is YAML).
 *
 *     replace: false          # true drops the built-in entries
 *     sidecars:
 *       - name: my-proxy
 *         image: "*\/my/proxy"
 *         action: "POST :8080/quit"
 */
export function loadCatalog(text: string, file: string, builtin: Catalog = BUILTIN_CATALOG): CatalogResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    return { ok: false, error: `${file}: not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}` };
  }
  try {
    if (!isObj(doc)) throw new CatalogError('expected a map with "sidecars" (and optionally "replace")');
    knownKeys(doc, ['replace', 'sidecars'], 'top level');
    if (doc.replace !== undefined && typeof doc.replace !== 'boolean') throw new CatalogError('replace: expected true or false');
    if (!Array.isArray(doc.sidecars)) throw new CatalogError('sidecars: expected a list of entries');
    const entries = doc.sidecars.map((e, i) => fileEntry(e, `sidecars[${i}]`));
    return { ok: true, value: doc.replace === true ? entries : [...entries, ...builtin] };
  } catch (e) {
    if (e instanceof CatalogError) return { ok: false, error: `${file}: ${e.message}` };
    throw e;
  }
}
