// Native sidecars: whether the cluster converts pods now (mode, minimum version, the apiserver's
// and every Node's kubelet version), whether one pod is converted (its own annotation wins), which
// of its sidecars become native and why, and the JSON patch that moves them. Pure: the webhook,
// `hahaha explain` and `hahaha convert` decide from these same functions.
//
// A sidecar becomes native as an init container with restartPolicy Always, appended after every
// existing init container; the kubelet then stops it once the regular containers have finished
// (KEP-753; beta and on by default since 1.29, GA in 1.33).

import type { Operation } from 'fast-json-patch';
import type { SidecarPlan } from './analysis.ts';
import { NATIVE_SIDECARS } from './annotations.ts';
import type { Catalog } from './catalog.ts';
import { isObj } from './json.ts';
import type { PodView } from './pod.ts';

export type NativeMode = 'auto' | 'on' | 'off';

/** The cluster-wide answer: convert new pods now or not, and why (for logs, the gauge, explain). */
export interface NativeDecision {
  readonly convert: boolean;
  /** A short code for the gauge's label. */
  readonly code: string;
  readonly reason: string;
}

export const NOT_CONVERTING: NativeDecision = { convert: false, code: 'mode-off', reason: 'native conversion is off (--native-sidecars off)' };

export interface Version {
  readonly major: number;
  readonly minor: number;
}

/** "v1.35.4", "1.33", "v1.33.2-eks-4f4795d": major and minor; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?([0-9]{1,3})\.([0-9]{1,3})(?:$|[.+-])/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

const atLeast = (v: Version, min: Version): boolean => v.major > min.major || (v.major === min.major && v.minor >= min.minor);
export const formatVersion = (v: Version): string => `${v.major}.${v.minor}`;

/** The oldest minimum accepted: native sidecars are on by default from 1.29 (beta). */
export const OLDEST_NATIVE: Version = { major: 1, minor: 29 };

/** --native-min-version: MAJOR.MINOR, at least 1.29. */
export function parseMinVersion(text: string): { ok: true; value: Version } | { ok: false; error: string } {
  const v = /^v?[0-9]{1,3}\.[0-9]{1,3}$/.test(text.trim()) ? parseVersion(text) : undefined;
  if (!v) return { ok: false, error: `expected a Kubernetes version MAJOR.MINOR such as 1.33, got ${JSON.stringify(text)}` };
  if (!atLeast(v, OLDEST_NATIVE)) return { ok: false, error: `native sidecars are on by default only from 1.29; got ${formatVersion(v)} (allowed: 1.29 and later)` };
  return { ok: true, value: v };
}

/**
 * Does the cluster convert new pods now? `nodes` maps each Node to its kubelet version, undefined
 * until the node cache has synced; `stale` says why the node cache is not known to be current (a
 * failed list or watch, a silent watch), undefined while it is. Either way nothing is converted: a
 * Node with an older kubelet may have joined since the versions were last seen.
 */
export function clusterDecision(
  mode: NativeMode,
  min: Version,
  apiserver: string | undefined,
  nodes: ReadonlyMap<string, string> | undefined,
  stale?: string,
): NativeDecision {
  if (mode === 'off') return NOT_CONVERTING;
  if (mode === 'on') return { convert: true, code: 'mode-on', reason: 'native conversion is on (--native-sidecars on)' };
  const want = formatVersion(min);
  if (apiserver === undefined) return { convert: false, code: 'apiserver-unknown', reason: `auto: the apiserver's version is not known yet (needs ${want} or later)` };
  const api = parseVersion(apiserver);
  if (!api || !atLeast(api, min)) return { convert: false, code: 'apiserver-old', reason: `auto: the apiserver runs ${apiserver}, older than ${want}` };
  if (nodes === undefined) return { convert: false, code: 'nodes-not-synced', reason: `auto: the node cache has not synced yet${stale ? ` (${stale})` : ''}` };
  // The same code as never synced (the gauge's reasons are a fixed set): the reflector is not synced.
  if (stale !== undefined) {
    return { convert: false, code: 'nodes-not-synced', reason: `auto: the node cache is stale: ${stale}; a node with an older kubelet may have joined since the versions were last seen` };
  }
  const old: string[] = [];
  for (const [name, version] of nodes) {
    const v = parseVersion(version);
    if (!v || !atLeast(v, min)) old.push(`${name} (${version || 'no version'})`);
  }
  if (old.length) {
    const shown = old.slice(0, 3).join(', ') + (old.length > 3 ? ` and ${old.length - 3} more` : '');
    return { convert: false, code: 'kubelet-old', reason: `auto: ${old.length} node(s) run a kubelet older than ${want}: ${shown}` };
  }
  return { convert: true, code: 'all-current', reason: `auto: the apiserver (${apiserver}) and all ${nodes.size} node(s) run ${want} or later` };
}

/** What becomes of one regular sidecar when its pod is converted. */
export interface SidecarVerdict {
  readonly name: string;
  /** move: hahaha makes it native; injector: its injector is asked to; stays: a regular container with its shutdown action. */
  readonly verdict: 'move' | 'injector' | 'stays';
  readonly reason: string;
}

export interface Move {
  readonly name: string;
}

export interface Conversion {
  /** Is the pod converted: its own annotation, else the cluster's decision. */
  readonly convert: boolean;
  readonly reason: string;
  /** The sidecars that move, in their order in spec.containers (empty unless convert). */
  readonly moves: readonly Move[];
  /** Every regular sidecar's verdict, also when the pod is not converted (what would happen). */
  readonly sidecars: readonly SidecarVerdict[];
}

/** The pod's own word, else the cluster's. */
export function podDecision(annotations: Readonly<Record<string, string>>, cluster: NativeDecision): { convert: boolean; reason: string } {
  const own = annotations[NATIVE_SIDECARS];
  if (own === 'true') return { convert: true, reason: `the pod asks for it with ${NATIVE_SIDECARS}: "true"` };
  if (own === 'false') return { convert: false, reason: `the pod opts out with ${NATIVE_SIDECARS}: "false"` };
  if (own !== undefined) return { convert: false, reason: `${NATIVE_SIDECARS} is ${JSON.stringify(own)}, not "true" or "false"` };
  return { convert: cluster.convert, reason: cluster.reason };
}

function verdict(sidecar: SidecarPlan): SidecarVerdict {
  const { name } = sidecar;
  if (sidecar.source === 'none') return { name, verdict: 'stays', reason: 'unknown sidecar: hahaha moves only sidecars it knows (the catalog, or a shutdown annotation)' };
  if (!sidecar.action) return { name, verdict: 'stays', reason: 'its shutdown annotation is invalid' };
  if (sidecar.action.length === 1 && sidecar.action[0]?.kind === 'none') {
    return { name, verdict: 'stays', reason: 'its action is none: it exits by itself, and a native sidecar that exits is restarted' };
  }
  const way = sidecar.entry?.native;
  if (way?.kind === 'injector') {
    return {
      name,
      verdict: 'injector',
      reason: `made by its injector, which is asked for a native sidecar with ${Object.keys(way.annotations).join(', ')}; hahaha never moves it (as a regular container it keeps its shutdown action)`,
    };
  }
  if (way?.kind === 'never') return { name, verdict: 'stays', reason: `the catalog says it is never made native${way.why ? `: ${way.why}` : ''}` };
  return { name, verdict: 'move', reason: 'moved to the end of initContainers with restartPolicy: Always; the kubelet stops it' };
}

/** Which sidecars of this pod become native. `sidecars` are the analysis's regular sidecars (mains excluded). */
export function convertPod(pod: Pick<PodView, 'annotations'>, sidecars: readonly SidecarPlan[], cluster: NativeDecision): Conversion {
  const { convert, reason } = podDecision(pod.annotations, cluster);
  const verdicts = sidecars.map(verdict);
  const moves = convert ? verdicts.filter((v) => v.verdict === 'move').map((v) => ({ name: v.name })) : [];
  return { convert, reason, moves, sidecars: verdicts };
}

/**
 * The annotations that ask injectors for native sidecars, for a pod that is converted: each catalog
 * entry's switch, unless the pod already has one of that entry's keys (the pod's word wins).
 */
export function injectorSwitches(catalog: Catalog, annotations: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of catalog) {
    if (e.native.kind !== 'injector') continue;
    const keys = Object.keys(e.native.annotations);
    if (keys.some((k) => annotations[k] !== undefined)) continue;
    for (const k of keys) out[k] ??= e.native.annotations[k] as string;
  }
  return out;
}

const isDefaultResizePolicy = (v: unknown): boolean =>
  Array.isArray(v) && v.every((p) => isObj(p) && Object.keys(p).every((k) => k === 'resourceName' || k === 'restartPolicy') && (p.restartPolicy ?? 'NotRequired') === 'NotRequired');

/**
 * The JSON patch that makes these containers of the raw pod native: each is moved (RFC 6902
 * `move`) from spec.containers to the end of spec.initContainers, in its order, and given
 * restartPolicy Always. A resizePolicy that only says the default (NotRequired) is removed:
 * apiservers before 1.33 with in-place resize on fill it in on regular containers and refuse it on
 * init containers; it means the same absent. Every other field is kept.
 *
 * Moves, not a remove and an add of a copy: the apiserver moves its own object, so no field of the
 * container passes through JavaScript (an int64 above 2^53, such as a probe's
 * terminationGracePeriodSeconds, would not survive a double), and the patch stays a few hundred bytes however large the containers are.
 */
export function movePatch(rawPod: unknown, moves: readonly Move[]): Operation[] {
  if (moves.length === 0) return [];
  const spec = isObj(rawPod) && isObj(rawPod.spec) ? rawPod.spec : {};
  const containers = Array.isArray(spec.containers) ? (spec.containers as unknown[]) : [];
  const inits = Array.isArray(spec.initContainers) ? spec.initContainers.length : 0;
  const wanted = new Set(moves.map((m) => m.name));
  const ops: Operation[] = Array.isArray(spec.initContainers) ? [] : [{ op: 'add', path: '/spec/initContainers', value: [] }];
  let moved = 0;
  containers.forEach((c, index) => {
    if (!isObj(c) || typeof c.name !== 'string' || !wanted.has(c.name)) return;
    // Each earlier move took one container out before this one.
    const to = `/spec/initContainers/${inits + moved}`;
    ops.push({ op: 'move', from: `/spec/containers/${index - moved}`, path: to });
    if (c.resizePolicy !== undefined && isDefaultResizePolicy(c.resizePolicy)) ops.push({ op: 'remove', path: `${to}/resizePolicy` });
    ops.push({ op: 'add', path: `${to}/restartPolicy`, value: 'Always' });
    moved++;
  });
  return ops;
}
