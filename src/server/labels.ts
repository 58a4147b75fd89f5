// Metric label values, each from a set whose size does not grow with the requests or pods seen.
// prom-client keeps every series it was ever given, and the webhook port has no client
// authentication: a label value copied from a request, a pod or an apiserver path is memory that
// anyone who reaches the port (or creates pods) can take. So every label of every metric has its
// vocabulary here, and createMetrics (metrics.ts) puts every value through it, whoever the caller:
//
// - a fixed list, where anything else is "other" (operation, result, verb, resource, reason...);
// - code: "0" (no whole answer) or an HTTP status 100-599, else "other";
// - namespace: one of the first 200 namespaces seen (DNS labels only), then "other";
// - container: a name the catalog knows, else "other" (MetricLabels, for the controller); the
//   registry itself lets at most the first 100 container names through, as a backstop.

import { REPORT_REASONS, SHUTDOWN_REASONS } from '../core/plan.ts';
import type { Step } from '../core/action.ts';
import type { Catalog } from '../core/catalog.ts';
import type { Webhook } from '../core/admission.ts';
import type { Lane } from '../controller/queue.ts';

/** What any value outside a vocabulary becomes. */
export const OTHER = 'other';

/** Maps a label value to one of a bounded set. */
export type Vocabulary = (value: string | number) => string;

/** A fixed list: the value when it is listed, else "other". */
export function oneOf(values: readonly string[]): Vocabulary {
  const known = new Set(values);
  return (value) => {
    const text = String(value);
    return known.has(text) ? text : OTHER;
  };
}

// The lists. Each is checked against the type it mirrors where there is one, so that a new step
// kind or lane cannot silently be counted as "other".
export const WEBHOOKS = ['mutate', 'validate'] as const satisfies readonly Webhook[];
/** AdmissionReview operations; "" is an answer to a body that was not an AdmissionReview (no operation read). */
export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', ''] as const;
export const ADMISSION_RESULTS = ['patched', 'allowed', 'denied', 'skipped', 'invalid', 'error'] as const;
export const SHUTDOWN_RESULTS = ['success', 'failed', 'still-running', 'restarted', 'pod-replaced', 'pod-deleted'] as const;
export const STEPS = ['http', 'exec', 'none'] as const satisfies readonly Step['kind'][];
export const LANES = ['change', 'resync'] as const satisfies readonly Lane[];
export const UNSUPPORTED_REASONS = ['no-action', 'not-started', 'crash-looping'] as const;
export const NATIVE_REASONS = ['mode-on', 'mode-off', 'all-current', 'kubelet-old', 'apiserver-old', 'apiserver-unknown', 'nodes-not-synced'] as const;
/** The reasons of the Events hahaha writes: its shutdown steps', and the plan's reports (one list, in core/plan.ts). */
export const EVENT_REASONS = [...SHUTDOWN_REASONS, ...Object.values(REPORT_REASONS)] as const;
/** The HTTP methods of hahaha's calls to the apiserver; a watch counts as WATCH. */
export const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'WATCH'] as const;
/** The resources hahaha calls (kube/client.ts resourceOf), with the subresources it uses. */
export const RESOURCES = [
  'pods', 'pods/eviction', 'pods/status', 'events', 'leases', 'nodes', 'namespaces', 'secrets',
  'mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'version',
] as const;

// A missing exhaustiveness check fails to compile here: every step kind and lane is listed.
type Missing<T, L extends readonly unknown[]> = Exclude<T, L[number]>;
const exhaustive = <T extends never>(): T | undefined => undefined;
exhaustive<Missing<Step['kind'], typeof STEPS>>();
exhaustive<Missing<Lane, typeof LANES>>();
exhaustive<Missing<Webhook, typeof WEBHOOKS>>();

/** An HTTP status: "0" (no whole answer) or 100-599, else "other". */
export const httpCode: Vocabulary = (value) => {
  const text = String(value);
  return text === '0' || /^[1-5][0-9][0-9]$/.test(text) ? text : OTHER;
};

/** Namespace and container names are DNS labels (RFC 1123), at most 63 characters. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The first `max` names seen (DNS labels only), then "other"; the values in `free` always pass and take no place. */
export class FirstSeen {
  private readonly seen = new Set<string>();
  private readonly max: number;
  private readonly free: ReadonlySet<string>;

  constructor(max: number, free: readonly string[] = []) {
    this.max = max;
    this.free = new Set([OTHER, ...free]);
  }

  readonly label: Vocabulary = (value) => {
    const name = String(value);
    if (this.seen.has(name) || this.free.has(name)) return name;
    if (this.seen.size >= this.max || !DNS_LABEL.test(name)) return OTHER;
    this.seen.add(name);
    return name;
  };
}

export const MAX_NAMESPACES = 200;
/** The registry's own bound on container names: the controller's MetricLabels already gives the catalog's names only. */
export const MAX_CONTAINERS = 100;

/**
 * The vocabulary of each label of each metric, by metric name. State (the namespaces and container
 * names seen) is shared by the metrics of one registry: make one per registry.
 */
export function vocabularies(): Readonly<Record<string, Readonly<Record<string, Vocabulary>>>> {
  const namespace = new FirstSeen(MAX_NAMESPACES, ['*']).label;
  const container = new FirstSeen(MAX_CONTAINERS).label;
  const webhook = oneOf(WEBHOOKS);
  const pod = { namespace, container };
  return {
    hahaha_admission_requests_total: { webhook, operation: oneOf(OPERATIONS), result: oneOf(ADMISSION_RESULTS) },
    hahaha_admission_duration_seconds: { webhook },
    hahaha_sidecar_shutdowns_total: { ...pod, step: oneOf(STEPS), result: oneOf(SHUTDOWN_RESULTS) },
    hahaha_queue_wait_seconds: { lane: oneOf(LANES) },
    hahaha_kube_request_duration_seconds: { verb: oneOf(VERBS), resource: oneOf(RESOURCES), code: httpCode },
    hahaha_unsupported_sidecars_total: { ...pod, reason: oneOf(UNSUPPORTED_REASONS) },
    hahaha_native_sidecars_not_stopped_total: pod,
    hahaha_native_sidecars_not_started_total: pod,
    hahaha_watch_restarts_total: { namespace },
    hahaha_event_failures_total: { reason: oneOf(EVENT_REASONS) },
    hahaha_native_conversion: { reason: oneOf(NATIVE_REASONS) },
  };
}

/** The operation label of an admission request: one of OPERATIONS, else "other". */
export const operationLabel: Vocabulary = oneOf(OPERATIONS);

/**
 * Label values that pod authors choose, bounded for the controller: a container label is a
 * container name the catalog knows (names that some catalog entry matches exactly), else "other";
 * a namespace label is one of the first `maxNamespaces` namespaces seen, then "other". So a pod
 * cannot grow the metric series without bound by naming its containers or namespaces freshly
 * each time.
 */
export class MetricLabels {
  private readonly known: ReadonlySet<string>;
  private readonly namespaces: FirstSeen;

  constructor(catalog: Catalog, maxNamespaces = MAX_NAMESPACES) {
    this.known = new Set(catalog.flatMap((e) => e.names));
    this.namespaces = new FirstSeen(maxNamespaces);
  }

  container(name: string): string {
    return this.known.has(name) ? name : OTHER;
  }

  namespace(ns: string): string {
    return this.namespaces.label(ns);
  }

  of(namespace: string, container: string): { namespace: string; container: string } {
    return { namespace: this.namespace(namespace), container: this.container(container) };
  }
}

type Labels = Record<string, string | number | undefined>;
/** prom-client's methods that take labels: an object first, or (labels, remove) the values in labelNames' order. */
const LABELLED = ['inc', 'dec', 'set', 'observe', 'setToCurrentTime', 'startTimer', 'zero', 'labels', 'remove'] as const;

/**
 * Put every label value of every hahaha metric of `registry` through its vocabulary, whoever calls
 * the metric. Throws for a hahaha metric with a label that has no vocabulary. The runtime's own
 * metrics (nodejs_*, process_*) are left alone: their labels (GC kinds, heap spaces, handle types)
 * come from Node, not from requests.
 */
export function boundLabels(registry: { getMetricsAsArray(): readonly { name: string }[] }): void {
  const all = vocabularies();
  for (const metric of registry.getMetricsAsArray()) {
    const names = (metric as { labelNames?: readonly string[] }).labelNames ?? [];
    if (!metric.name.startsWith('hahaha_') || names.length === 0) continue;
    const own = all[metric.name] ?? {};
    const missing = names.filter((n) => own[n] === undefined);
    if (missing.length) throw new Error(`${metric.name}: no vocabulary for the label ${missing.join(', ')} (src/server/labels.ts)`);
    bind(metric, names, own);
  }
}

function bind(metric: object, names: readonly string[], vocabulary: Readonly<Record<string, Vocabulary>>): void {
  // Label objects made here are not mapped again (a child's inc passes its labels back to the metric's).
  const mapped = new WeakSet<object>();
  const map = (labels: Labels): Labels => {
    if (mapped.has(labels)) return labels;
    const out: Labels = {};
    for (const key of Object.keys(labels)) {
      const value = labels[key];
      const v = vocabulary[key];
      // An unknown label name is left for prom-client to refuse, as it would.
      out[key] = v && value !== undefined ? v(value) : value;
    }
    mapped.add(out);
    return out;
  };
  const m = metric as Record<string, unknown>;
  for (const method of LABELLED) {
    const original = m[method];
    if (typeof original !== 'function') continue;
    const positional = method === 'labels' || method === 'remove';
    m[method] = (...args: unknown[]): unknown => {
      const [first] = args;
      if (first !== null && typeof first === 'object') args[0] = map(first as Labels);
      else if (positional) {
        args = args.map((a, i) => {
          const v = vocabulary[names[i] ?? ''];
          return v && (typeof a === 'string' || typeof a === 'number') ? v(a) : a;
        });
      }
      return (original as (...a: unknown[]) => unknown).apply(metric, args);
    };
  }
}
