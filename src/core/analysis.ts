// Pod analysis: what hahaha makes of a pod. Is it managed, which containers are main, which are
// sidecars and how each one is shut down (and where that came from), what is wrong with its
// hahaha annotations, and which annotations the mutating webhook would add. Pure: the webhooks,
// `hahaha explain` and the controller all decide from this one function.

import { type Action, formatAction, parseAction } from './action.ts';
import {
  APP_LABEL,
  DEFAULT_CONTAINER,
  ENABLED,
  KNOWN_KEYS,
  MAIN_CONTAINER,
  NATIVE_SIDECARS,
  isHahahaKey,
  shutdownContainer,
  shutdownKey,
} from './annotations.ts';
import { type Catalog, type CatalogEntry, catalogAction, matchCatalog, unmetPrerequisites } from './catalog.ts';
import { type Conversion, type NativeDecision, convertPod, injectorSwitches } from './native.ts';
import type { ContainerView, PodView } from './pod.ts';
import { type ExecPolicy, describeRefusal, refusedStep } from './policy.ts';
import { type Selector, matches } from './selector.ts';

export interface Config {
  readonly selector: Selector;
  readonly catalog: Catalog;
  readonly policy: ExecPolicy;
}

export type MainSource = 'annotation' | 'app-label' | 'default-container' | 'first-container';
/** Where a sidecar's action comes from: its annotation, the catalog, or nowhere (unknown sidecar). */
export type ActionSource = 'annotation' | 'catalog' | 'none';

export interface SidecarPlan {
  readonly name: string;
  readonly source: ActionSource;
  /** Absent when the source is "none", or when the annotation is invalid. */
  readonly action?: Action;
  /** The catalog entry the container matches (the native conversion reads how it becomes native). */
  readonly entry?: CatalogEntry;
}

/** A problem with one annotation (or with the pod, key "pod"): the validating webhook denies on it. */
export interface Problem {
  readonly key: string;
  /** What is wrong, without the key. */
  readonly detail: string;
}

export interface Analysis {
  readonly managed: boolean;
  /** Why the pod is or is not managed. */
  readonly reason: string;
  readonly mains: readonly string[];
  readonly mainSource?: MainSource;
  readonly sidecars: readonly SidecarPlan[];
  /** Init containers with restartPolicy Always: the kubelet stops them itself. */
  readonly nativeSidecars: readonly string[];
  /** Each native sidecar's fallback action, for when the kubelet fails to stop it (managed pods only). */
  readonly natives: readonly SidecarPlan[];
  /** What the mutating webhook makes native (absent when the pod is not converted, or not managed). */
  readonly conversion?: Conversion;
  readonly warnings: readonly string[];
  readonly problems: readonly Problem[];
  /** Annotations the mutating webhook adds; never a key the pod already has. */
  readonly additions: Readonly<Record<string, string>>;
}

/**
 * What an answer shows of any list (problems, warnings, container names): the first LISTED, then
 * "and N more". With every message cut to MAX_MESSAGE and every quoted value to MAX_QUOTED, an
 * admission answer has a fixed upper size whatever the request: a pod with thousands of bad keys
 * must not get a denial that repeats the container list thousands of times.
 */
export const LISTED = 20;
/** The longest problem message, a backstop: the lists and quotes in it are already bounded. */
export const MAX_MESSAGE = 2_048;
/** The longest part of a value quoted in a message. */
export const MAX_QUOTED = 100;
/** Container names are DNS labels: a longer name (only in a request that no apiserver sent) is shown cut. */
const MAX_NAME = 63;

/** Cut a text to `max` characters, the last one an ellipsis. */
export const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A value as a JSON string in a message: its start only when it is long, with its length. */
export const quote = (value: string): string =>
  value.length > MAX_QUOTED ? `${JSON.stringify(`${value.slice(0, MAX_QUOTED)}…`)} (${value.length} characters)` : JSON.stringify(value);

/** Names as a list in a message: the first LISTED, each cut to a name's length, then "and N more". */
const listed = (names: readonly string[]): string => {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, LISTED).map((n) => clip(n, MAX_NAME + 1)).join(', ');
  return names.length > LISTED ? `${shown}, and ${names.length - LISTED} more` : shown;
};

export const problemMessage = (p: Problem): string => clip(`${p.key}: ${p.detail}`, MAX_MESSAGE);

/**
 * The validating webhook's denial message for these problems (also printed by `hahaha explain`):
 * the first LISTED problems, then "and N more problems".
 */
export const denialMessage = (problems: readonly Problem[]): string => {
  const shown = problems.slice(0, LISTED).map(problemMessage);
  if (problems.length > LISTED) shown.push(`and ${problems.length - LISTED} more problems`);
  return shown.join('; ');
};

/**
 * Bounds checked before any parsing, so that an admission request stays linear and small however
 * it was built (the mutating webhook sees a pod before the apiserver enforces its 256 KiB
 * annotation limit). Far above any real pod: a Job with 250 containers is not a Job with sidecars.
 */
export const LIMITS = { containers: 250, mainContainerBytes: 16_384, actionBytes: 4_096 } as const;

export function isManaged(pod: PodView, selector: Selector): { managed: boolean; reason: string } {
  if (!matches(selector, pod.labels)) return { managed: false, reason: `labels do not match the selector ${selector.text}` };
  const enabled = pod.annotations[ENABLED];
  if (enabled === 'false') return { managed: false, reason: `opted out with ${ENABLED}: "false"` };
  return { managed: true, reason: `labels match the selector ${selector.text}` };
}

/**
 * Analyse a pod. `cluster` says whether the cluster converts pods to native sidecars now: the
 * mutating webhook and `explain` pass it, and get `conversion` (and its effect on `additions`);
 * without it (the validating webhook, the controller) no conversion is worked out at all.
 */
export function analyze(pod: PodView, config: Config, cluster?: NativeDecision): Analysis {
  const { managed, reason } = isManaged(pod, config.selector);
  const problems: Problem[] = pod.problems.map((detail) => ({ key: 'pod', detail }));
  const warnings: string[] = [];
  const nativeContainers = pod.initContainers.filter((c) => c.restartPolicy === 'Always');
  const nativeSidecars = nativeContainers.map((c) => c.name);
  const base = { managed, reason, nativeSidecars, natives: [], mains: [], sidecars: [], additions: {} };

  const enabled = pod.annotations[ENABLED];
  if (matches(config.selector, pod.labels) && enabled !== undefined && enabled !== 'true' && enabled !== 'false') {
    problems.push({ key: ENABLED, detail: `expected "true" or "false", got ${quote(enabled)}` });
  }
  if (!managed) return { ...base, warnings, problems };
  const count = pod.containers.length + pod.initContainers.length;
  if (count > LIMITS.containers) {
    problems.push({ key: 'pod', detail: `the pod has ${count} containers and init containers; hahaha manages pods with at most ${LIMITS.containers}` });
    return { ...base, warnings, problems };
  }

  for (const key of Object.keys(pod.annotations)) {
    if (isHahahaKey(key) && !KNOWN_KEYS.includes(key) && shutdownContainer(key) === undefined) {
      warnings.push(`${key}: unknown hahaha annotation (known: ${KNOWN_KEYS.join(', ')}, shutdown.hahaha.nais.io/<container>)`);
    }
  }
  if (pod.containers.length === 0) problems.push({ key: 'pod', detail: 'the pod has no containers' });

  const resolved = resolveMains(pod);
  if ('problem' in resolved) problems.push(resolved.problem);
  // A broken main-container annotation is reported, and the pod is still planned as if it were
  // absent (app label, default container, first container), so its sidecars are still shut down.
  const main = 'problem' in resolved ? resolveMains(pod, false) : resolved;
  const mains = 'names' in main ? main.names : [];
  const mainSet = new Set(mains);
  const podLevelOk = problems.length === 0;
  // Only the conversion depends on it (an invalid value converts nothing): the sidecars are still planned.
  const nativeText = pod.annotations[NATIVE_SIDECARS];
  if (nativeText !== undefined && nativeText !== 'true' && nativeText !== 'false') {
    problems.push({ key: NATIVE_SIDECARS, detail: `expected "true" or "false", got ${quote(nativeText)}` });
  }

  const additions: Record<string, string> = {};
  if (podLevelOk && pod.annotations[MAIN_CONTAINER] === undefined) additions[MAIN_CONTAINER] = mains.join(',');
  if (podLevelOk) {
    for (const e of config.catalog) {
      for (const k in e.podAnnotations) {
        const v = e.podAnnotations[k] as string;
        if (pod.annotations[k] === undefined && additions[k] === undefined) additions[k] = v;
      }
    }
  }
  const annotations = { ...pod.annotations, ...additions };

  // Built once, and only for a pod with shutdown annotations: many bad annotations and many containers stay linear.
  let names: { containers: Set<string>; inits: Set<string>; natives: Set<string> } | undefined;
  let containerList: string | undefined;
  let mainList: string | undefined;
  for (const key of Object.keys(pod.annotations)) {
    const name = shutdownContainer(key);
    if (name === undefined) continue;
    names ??= { containers: new Set(pod.containers.map((c) => c.name)), inits: new Set(pod.initContainers.map((c) => c.name)), natives: new Set(nativeSidecars) };
    const { containers, inits, natives } = names;
    if (natives.has(name) && !containers.has(name)) continue; // the fallback action of a native sidecar
    if (inits.has(name) && !containers.has(name)) {
      problems.push({ key, detail: `${quote(name)} is an init container that runs to completion: only regular containers and native sidecars (restartPolicy: Always) have shutdown actions` });
    } else if (!containers.has(name)) {
      containerList ??= listed([...containers]);
      problems.push({ key, detail: `${quote(name)} is not a container in this pod (containers: ${containerList})` });
    } else if (mainSet.has(name)) {
      mainList ??= listed(mains);
      problems.push({ key, detail: `${quote(name)} is a main container, not a sidecar (main: ${mainList})` });
    }
  }

  const sidecars: SidecarPlan[] = [];
  const ctx = { config, annotations, problems, warnings };
  // Planned even with pod-level problems (they are reported, and the pod counts as awaiting until its
  // sidecars exit); only what the webhook writes waits for a pod without them.
  for (const c of pod.containers) {
    if (mainSet.has(c.name)) continue;
    sidecars.push(sidecarPlan(c, ctx, true));
  }
  const nativePlans = nativeContainers.map((c) => sidecarPlan(c, ctx, false));

  let conversion: Conversion | undefined;
  if (podLevelOk && cluster) conversion = convertPod(pod, sidecars, cluster);
  if (podLevelOk) {
    // A sidecar that becomes native needs no shutdown annotation: the kubelet stops it, and its
    // fallback action comes from the catalog. Its injector's switch asks for native injection.
    // Moved keys are left out rather than deleted after: a delete would turn the map slow to read.
    const moved = conversion?.moves.length ? new Set(conversion.moves.map((m) => m.name)) : undefined;
    for (const plan of sidecars) {
      if (moved?.has(plan.name)) {
        const key = shutdownKey(plan.name);
        if (Object.hasOwn(additions, key)) delete additions[key]; // only a catalog's podAnnotations could have put it there
      } else if (plan.source === 'catalog' && plan.action) additions[shutdownKey(plan.name)] = formatAction(plan.action);
    }
    if (conversion?.convert) {
      for (const [k, v] of Object.entries(injectorSwitches(config.catalog, annotations))) if (additions[k] === undefined) additions[k] = v;
    }
  }
  problems.sort((x, y) => rank(x.key) - rank(y.key) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return {
    managed, reason, mains, ...(main.source ? { mainSource: main.source } : {}), sidecars, nativeSidecars, natives: nativePlans, warnings, problems, additions,
    ...(conversion ? { conversion } : {}),
  };
}

interface PlanContext {
  readonly config: Config;
  readonly annotations: Readonly<Record<string, string>>;
  readonly problems: Problem[];
  readonly warnings: string[];
}

/** How one sidecar (regular, or native when `regular` is false) is shut down, and what is wrong with that. */
function sidecarPlan(c: ContainerView, { config, annotations, problems, warnings }: PlanContext, regular: boolean): SidecarPlan {
  const key = shutdownKey(c.name);
  const entry = matchCatalog(config.catalog, c);
  const fromCatalog = entry ? catalogAction(entry, c, annotations) : undefined;
  const text = annotations[key];
  if (text !== undefined && text.length > LIMITS.actionBytes) {
    problems.push({ key, detail: `the action is ${text.length} characters long; at most ${LIMITS.actionBytes}` });
    return { name: c.name, source: 'annotation' };
  }
  if (text !== undefined) {
    const parsed = parseAction(text);
    if (!parsed.ok) {
      problems.push({ key, detail: parsed.error.message });
      return { name: c.name, source: 'annotation' };
    }
    const refused = refusedStep(config.policy, parsed.value);
    if (refused) problems.push({ key, detail: describeRefusal(refused.step) });
    if (regular && entry && fromCatalog && formatAction(fromCatalog.action) === formatAction(parsed.value)) {
      warnings.push(...unmetPrerequisites(entry, c, annotations));
    }
    return { name: c.name, source: 'annotation', action: parsed.value, ...(entry ? { entry } : {}) };
  }
  if (entry && fromCatalog) {
    if (regular) warnings.push(...fromCatalog.warnings, ...unmetPrerequisites(entry, c, annotations));
    return { name: c.name, source: 'catalog', action: fromCatalog.action, entry };
  }
  if (regular) warnings.push(`unknown sidecar ${quote(c.name)}: no shutdown action in the catalog; set ${key}`);
  return { name: c.name, source: 'none' };
}

/** Problems read best from the pod down: the pod, its main containers, then sidecars by name. */
function rank(key: string): number {
  return key === 'pod' ? 0 : key === ENABLED ? 1 : key === MAIN_CONTAINER ? 2 : 3;
}

type MainResult = { names: string[]; source: MainSource } | { problem: Problem; source?: undefined };

function resolveMains(pod: PodView, annotation = true): MainResult {
  const names = pod.containers.map((c) => c.name);
  const text = annotation ? pod.annotations[MAIN_CONTAINER] : undefined;
  if (text !== undefined) {
    if (text.length > LIMITS.mainContainerBytes) {
      return { problem: { key: MAIN_CONTAINER, detail: `the value is ${text.length} characters long; at most ${LIMITS.mainContainerBytes}` } };
    }
    const wanted = text.split(',').map((s) => s.trim());
    const empty = wanted.findIndex((w) => w === '');
    if (empty >= 0) {
      return { problem: { key: MAIN_CONTAINER, detail: `expected comma-separated container names, got ${quote(text)} (name ${empty + 1} is empty)` } };
    }
    const known = new Set(names);
    const missing = wanted.find((w) => !known.has(w));
    if (missing !== undefined) {
      const init = pod.initContainers.some((c) => c.name === missing);
      return {
        problem: {
          key: MAIN_CONTAINER,
          detail: init
            ? `${quote(missing)} is an init container; main containers are regular containers (containers: ${listed(names)})`
            : `${quote(missing)} is not a container in this pod (containers: ${listed(names)})`,
        },
      };
    }
    return { names: [...new Set(wanted)], source: 'annotation' };
  }
  const app = pod.labels[APP_LABEL];
  if (app !== undefined && names.includes(app)) return { names: [app], source: 'app-label' };
  const dflt = pod.annotations[DEFAULT_CONTAINER];
  if (dflt !== undefined && names.includes(dflt)) return { names: [dflt], source: 'default-container' };
  return names[0] !== undefined ? { names: [names[0]], source: 'first-container' } : { names: [], source: 'first-container' };
}
