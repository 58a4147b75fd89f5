// A defensive, read-only view of a pod: what hahaha needs from the object, taken from untrusted
// JSON (an AdmissionReview, a file, a watch event) without ever throwing. Missing or mistyped
// fields become empty values; `problems` says what was malformed so callers can report it.

import { isObj } from './json.ts';

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
}

export interface ContainerView {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  /** Only on init containers: "Always" makes it a native sidecar. */
  readonly restartPolicy?: string;
}

export interface ContainerStateView {
  readonly name: string;
  readonly state: 'waiting' | 'running' | 'terminated' | 'unknown';
  readonly exitCode?: number;
  readonly reason?: string;
  readonly restartCount: number;
  readonly finishedAt?: string;
  readonly containerID?: string;
  /** The kubelet's `started`: the startupProbe (if any) has passed. */
  readonly started?: boolean;
}

export interface PodView {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly hasAnnotations: boolean;
  readonly containers: readonly ContainerView[];
  readonly initContainers: readonly ContainerView[];
  readonly restartPolicy: string;
  /** spec.terminationGracePeriodSeconds, 30 when unset. */
  readonly terminationGracePeriodSeconds: number;
  readonly deleting: boolean;
  readonly phase: string;
  readonly containerStatuses: readonly ContainerStateView[];
  readonly initContainerStatuses: readonly ContainerStateView[];
  readonly problems: readonly string[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function stringMap(v: unknown, where: string, problems: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    problems.push(`${where} is not a map`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const val = v[k];
    if (typeof val === 'string') out[k] = val;
    else problems.push(`${where}[${JSON.stringify(k)}] is not a string`);
  }
  return out;
}

/** The strings of a list: the list itself when it holds nothing else (a view never writes to it). */
function strings(v: unknown): readonly string[] {
  if (!Array.isArray(v)) return NONE;
  for (const x of v) if (typeof x !== 'string') return v.filter((y): y is string => typeof y === 'string');
  return v as string[];
}

/** The one empty list for every absent field: a pod view is read, never written. */
const NONE: readonly never[] = [];

function envVars(v: unknown): readonly EnvVar[] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  const out: EnvVar[] = [];
  for (const e of v) {
    if (!isObj(e)) continue;
    out.push(typeof e.value === 'string' ? { name: str(e.name), value: e.value } : { name: str(e.name) });
  }
  return out;
}

function containers(v: unknown, where: string, problems: string[]): readonly ContainerView[] {
  if (v === undefined || v === null) return NONE;
  if (!Array.isArray(v)) {
    problems.push(`${where} is not a list`);
    return NONE;
  }
  const out: ContainerView[] = [];
  for (let i = 0; i < v.length; i++) {
    const c: unknown = v[i];
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '') {
      problems.push(`${where}[${i}] has no name`);
      continue;
    }
    const view = { name: c.name, image: str(c.image), command: strings(c.command), args: strings(c.args), env: envVars(c.env) };
    out.push(typeof c.restartPolicy === 'string' ? { ...view, restartPolicy: c.restartPolicy } : view);
  }
  return out;
}

function statuses(v: unknown): readonly ContainerStateView[] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  return v.filter(isObj).map((s) => {
    const state = isObj(s.state) ? s.state : {};
    const restartCount = typeof s.restartCount === 'number' ? s.restartCount : 0;
    const base = {
      name: str(s.name),
      restartCount,
      ...(typeof s.containerID === 'string' ? { containerID: s.containerID } : {}),
      ...(typeof s.started === 'boolean' ? { started: s.started } : {}),
    };
    if (isObj(state.terminated)) {
      const t = state.terminated;
      return {
        ...base,
        state: 'terminated' as const,
        exitCode: typeof t.exitCode === 'number' ? t.exitCode : -1,
        ...(typeof t.reason === 'string' ? { reason: t.reason } : {}),
        ...(typeof t.finishedAt === 'string' ? { finishedAt: t.finishedAt } : {}),
      };
    }
    if (isObj(state.running)) return { ...base, state: 'running' as const };
    if (isObj(state.waiting)) {
      const w = state.waiting;
      return { ...base, state: 'waiting' as const, ...(typeof w.reason === 'string' ? { reason: w.reason } : {}) };
    }
    return { ...base, state: 'unknown' as const };
  });
}

/** Read a pod from untrusted JSON. Never throws. */
export function podView(obj: unknown): PodView {
  const problems: string[] = [];
  const o = isObj(obj) ? obj : {};
  if (!isObj(obj)) problems.push('the pod is not an object');
  const meta = isObj(o.metadata) ? o.metadata : {};
  const spec = isObj(o.spec) ? o.spec : {};
  const status = isObj(o.status) ? o.status : {};
  const name = str(meta.name) || str(meta.generateName);
  return {
    name,
    namespace: str(meta.namespace),
    uid: str(meta.uid),
    labels: stringMap(meta.labels, 'metadata.labels', problems),
    annotations: stringMap(meta.annotations, 'metadata.annotations', problems),
    hasAnnotations: isObj(meta.annotations),
    containers: containers(spec.containers, 'spec.containers', problems),
    initContainers: containers(spec.initContainers, 'spec.initContainers', problems),
    restartPolicy: str(spec.restartPolicy) || 'Always',
    terminationGracePeriodSeconds:
      typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds >= 0 ? spec.terminationGracePeriodSeconds : 30,
    deleting: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
    phase: str(status.phase),
    containerStatuses: statuses(status.containerStatuses),
    initContainerStatuses: statuses(status.initContainerStatuses),
    problems,
  };
}

/**
 * The pod a manifest stands for: a Pod as it is; a Job, CronJob or any object with a pod template
 * (spec.template, spec.jobTemplate.spec.template) as the pod it will create. Undefined otherwise.
 */
export function podOfManifest(obj: unknown): { pod: unknown; from: string } | undefined {
  if (!isObj(obj)) return undefined;
  const kind = str(obj.kind);
  if (kind === 'Pod' || (kind === '' && isObj(obj.spec) && Array.isArray(obj.spec.containers))) return { pod: obj, from: 'Pod' };
  const spec = isObj(obj.spec) ? obj.spec : {};
  const jobSpec = isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : spec;
  const template = jobSpec.template;
  if (!isObj(template)) return undefined;
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const tmeta = isObj(template.metadata) ? template.metadata : {};
  return {
    pod: { ...template, kind: 'Pod', metadata: { namespace: meta.namespace, name: `${str(meta.name)} (template)`, ...tmeta } },
    from: `${kind || 'object'}'s pod template`,
  };
}

/** Keep `keys` of `v` when it is an object (values as they are), or `v` itself when it is not. */
function pick(v: unknown, keys: readonly string[], each?: Readonly<Record<string, (x: unknown) => unknown>>): unknown {
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in v && v[k] !== undefined) out[k] = each?.[k] ? each[k](v[k]) : v[k];
  return out;
}
const list = (f: (x: unknown) => unknown) => (v: unknown): unknown => (Array.isArray(v) ? v.map(f) : v);

const container = (c: unknown): unknown => pick(c, ['name', 'image', 'command', 'args', 'env', 'restartPolicy'], { env: list((e) => pick(e, ['name', 'value'])) });
const state = (s: unknown): unknown =>
  pick(s, ['terminated', 'running', 'waiting'], { terminated: (t) => pick(t, ['exitCode', 'reason', 'finishedAt']), running: (r) => (isObj(r) ? {} : r), waiting: (w) => pick(w, ['reason']) });
const containerStatus = (s: unknown): unknown => pick(s, ['name', 'state', 'restartCount', 'containerID', 'started'], { state });

/**
 * The pod as the controller's cache keeps it: only what podView reads, plus the metadata a cache and
 * an Event need (resourceVersion, creationTimestamp). podView(cachedPod(p)) equals podView(p) for any
 * input, problems included; a pod's volumes, resources, probes, managedFields, conditions and
 * termination messages are dropped, which is most of its size.
 */
export function cachedPod(obj: unknown): unknown {
  if (!isObj(obj)) return obj;
  return pick(obj, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], {
    metadata: (m) => pick(m, ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations']),
    spec: (s) => pick(s, ['containers', 'initContainers', 'restartPolicy', 'terminationGracePeriodSeconds'], { containers: list(container), initContainers: list(container) }),
    status: (s) => pick(s, ['phase', 'containerStatuses', 'initContainerStatuses'], { containerStatuses: list(containerStatus), initContainerStatuses: list(containerStatus) }),
  });
}
