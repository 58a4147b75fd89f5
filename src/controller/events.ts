// Kubernetes Events (events.k8s.io/v1) on the pod, from reporting controller "hahaha": what hahaha
// reports, and the cursor of each shutdown (see core/reconcile.ts). Each event has a name derived
// from what it is about (pod UID, reason, container instance and step), so an outcome is reported
// once per container instance however often the pod is reconciled, by whichever replica, before or
// after a restart: a second create answers 409 and is not repeated. Events that recur (a step
// claimed or failed again in a later round) carry the round in their series count.
// The EventLog is a watch of hahaha's own events (by label) plus what this process wrote, so
// reading the cursor costs no API call and a new leader reads what the last one wrote.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventsV1Event, EventsV1EventList } from '@kubernetes/client-node';
import type { Occurrence } from '../core/reconcile.ts';
import { type CallOptions, type KubeClient, apiPath } from '../kube/client.ts';
import { microTime, timeMs } from '../kube/time.ts';
import { REQUEST_TIMEOUT_MS, deadline, statusOf } from './api.ts';
import type { Clock } from './clock.ts';
import { Reflector, apiListWatch } from './reflector.ts';

export const REPORTING_CONTROLLER = 'hahaha';

export interface PodRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export interface EventSpec {
  readonly pod: PodRef;
  readonly container?: string;
  /** The container is an init container (a native sidecar). */
  readonly initContainer?: boolean;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  /** What hahaha did or tried: Shutdown, Wait, Report. */
  readonly action: string;
  readonly note: string;
  /** What makes this outcome distinct (with the reason): usually the container instance. */
  readonly key: string;
}

/** How a write went: created or counted; it already was (someone else wrote it first); or failed. */
export type Written = 'written' | 'exists' | 'failed';

export interface EventSink {
  /** Whether the log of hahaha's events is current (a new leader must not act on a stale one). */
  readonly synced: boolean;
  /** What is known of this event: how many times it happened, and when it last did. */
  read(e: Pick<EventSpec, 'pod' | 'reason' | 'key'>): Occurrence | undefined;
  /** Report once: create the event unless it exists. */
  record(e: EventSpec): Promise<Written>;
  /**
   * The event happened for the `count`-th time (count >= 1). With `exclusive` (a claim), only if
   * no one else has written that count: the create, or a patch conditional on the resourceVersion
   * this process last saw, answers 409 otherwise, and the result is 'exists'.
   */
  occur(e: EventSpec, count: number, exclusive: boolean): Promise<Written>;
}

/** At most 1024 bytes of UTF-8, the apiserver's limit on a note (cut on a character boundary). */
export function noteOf(text: string): string {
  if (Buffer.byteLength(text) <= 1024) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > 1021) break;
    out += ch;
  }
  return `${out}…`;
}

export { microTime };

export function eventName(e: Pick<EventSpec, 'pod' | 'reason' | 'key'>): string {
  const hash = createHash('sha256').update(`${e.pod.uid}\n${e.reason}\n${e.key}`).digest('hex').slice(0, 16);
  return `${e.pod.name.slice(0, 200)}.hahaha.${hash}`;
}

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'hahaha' } as const;

interface Known extends Occurrence {
  readonly resourceVersion?: string;
}

/** What the cursor keeps of an event: count, last time, resourceVersion. */
export function occurrenceOf(e: EventsV1Event): Known {
  const at = timeMs(e.series?.lastObservedTime) || timeMs(e.eventTime) || timeMs(e.metadata?.creationTimestamp) || 0;
  return { count: e.series?.count ?? 1, at, ...(e.metadata?.resourceVersion ? { resourceVersion: e.metadata.resourceVersion } : {}) };
}

export interface EventRecorderOptions {
  readonly clock: Clock;
  readonly instance?: string;
  /** Watch hahaha's events in these namespaces; empty: all. */
  readonly namespaces: readonly string[];
  readonly onFailure: (e: unknown, spec: EventSpec) => void;
  readonly onFreshness?: (synced: boolean, why: string) => void;
  readonly requestTimeoutMs?: number;
  /** The Events API (a seam for tests; default: kubeEventsApi over the client). */
  readonly api?: EventsApi;
}

/** The calls the recorder makes to write events (named and shaped as client-node's EventsV1Api). */
export interface EventsApi {
  createNamespacedEvent(p: { namespace: string; body: EventsV1Event }, options: CallOptions): Promise<EventsV1Event>;
  /** The patch's Content-Type comes with the options' headers. */
  patchNamespacedEvent(p: { name: string; namespace: string; body: object }, options: CallOptions): Promise<EventsV1Event>;
  listNamespacedEvent(p: { namespace: string; labelSelector?: string; limit?: number; continue?: string }, options: CallOptions): Promise<EventsV1EventList>;
  listEventForAllNamespaces(p: { labelSelector?: string; limit?: number; continue?: string }, options: CallOptions): Promise<EventsV1EventList>;
}

const EVENTS = '/apis/events.k8s.io/v1';

/** The Events API as REST calls on the client. */
export function kubeEventsApi(client: KubeClient): EventsApi {
  return {
    createNamespacedEvent: ({ namespace, body }, options) => client.create(`${EVENTS}${apiPath`/namespaces/${namespace}/events`}`, body, options),
    patchNamespacedEvent: ({ name, namespace, body }, options) => client.patch(`${EVENTS}${apiPath`/namespaces/${namespace}/events/${name}`}`, body, options),
    listNamespacedEvent: ({ namespace, ...query }, options) => client.get(`${EVENTS}${apiPath`/namespaces/${namespace}/events`}`, { ...options, query }),
    listEventForAllNamespaces: (query, options) => client.get(`${EVENTS}/events`, { ...options, query }),
  };
}

export class EventRecorder implements EventSink {
  private readonly api: EventsApi;
  private readonly opts: EventRecorderOptions;
  private readonly instance: string;
  /** One cache per watched namespace ('' for all). */
  private readonly reflectors: { namespace: string; reflector: Reflector<EventsV1Event> }[];
  /** What this process wrote: namespace/name -> occurrence, read with what the watch saw (the higher count wins). */
  private readonly wrote = new Map<string, Known>();

  constructor(client: KubeClient, options: EventRecorderOptions) {
    this.api = options.api ?? kubeEventsApi(client);
    this.opts = options;
    this.instance = (options.instance ?? hostname()).slice(0, 128);
    const selector = Object.entries(MANAGED_BY).map(([k, v]) => `${k}=${v}`).join(',');
    const namespaces = options.namespaces.length ? options.namespaces : [''];
    this.reflectors = namespaces.map((namespace) => ({
      namespace,
      reflector: new Reflector<EventsV1Event>({
          client: apiListWatch(
            client,
            namespace ? `${EVENTS}${apiPath`/namespaces/${namespace}/events`}` : `${EVENTS}/events`,
            (signal, page) =>
              namespace
                ? this.api.listNamespacedEvent({ namespace, labelSelector: selector, ...page }, deadline(this.timeout, signal))
                : this.api.listEventForAllNamespaces({ labelSelector: selector, ...page }, deadline(this.timeout, signal)),
            selector,
          ),
          clock: options.clock,
          // Nothing of an event but what the cursor reads.
          slim: (e) => ({ metadata: { name: e.metadata?.name, namespace: e.metadata?.namespace, resourceVersion: e.metadata?.resourceVersion }, series: e.series, eventTime: e.eventTime }),
          onChange: (key, e) => {
            // Expired (the apiserver's event TTL) or deleted: forget what was written too.
            if (!e) this.wrote.delete(key);
          },
          ...(options.onFreshness ? { onFreshness: options.onFreshness } : {}),
        }),
    }));
  }

  private get timeout(): number {
    return this.opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  start(): void {
    for (const r of this.reflectors) r.reflector.start();
  }

  stop(): void {
    for (const r of this.reflectors) r.reflector.stop();
  }

  get synced(): boolean {
    return this.reflectors.every((r) => r.reflector.synced);
  }

  private known(namespace: string, name: string): Known | undefined {
    const key = `${namespace}/${name}`;
    const found = this.reflectors.find((r) => r.namespace === '' || r.namespace === namespace)?.reflector.get(key);
    const seen = found ? occurrenceOf(found) : undefined;
    const mine = this.wrote.get(key);
    if (!seen) return mine;
    if (!mine) return seen;
    return mine.count > seen.count ? mine : seen;
  }

  read(e: Pick<EventSpec, 'pod' | 'reason' | 'key'>): Occurrence | undefined {
    return this.known(e.pod.namespace, eventName(e));
  }

  async record(e: EventSpec): Promise<Written> {
    if (this.read(e)) return 'exists';
    return this.occur(e, 1, true);
  }

  async occur(e: EventSpec, count: number, exclusive: boolean): Promise<Written> {
    const name = eventName(e);
    const namespace = e.pod.namespace;
    const key = `${namespace}/${name}`;
    const known = this.known(namespace, name);
    // Counts only grow: this count, or a later one, is already written (by whoever).
    if (known && known.count >= count) return 'exists';
    const now = new Date(this.opts.clock.now());
    const create = () => this.api.createNamespacedEvent({ namespace, body: this.event(e, name, now, count) }, deadline(this.timeout));
    try {
      let written: EventsV1Event;
      if (!known) written = await create();
      else {
        try {
          written = await this.api.patchNamespacedEvent(
            {
              name,
              namespace,
              body: {
                // A claim is conditional on the version this process saw: a concurrent writer makes it 409.
                ...(exclusive && known.resourceVersion ? { metadata: { resourceVersion: known.resourceVersion } } : {}),
                // The count only: the apiserver refuses a changed note ("field is immutable"), and a
                // later round's note may differ from the first (a duration measured again).
                series: { count, lastObservedTime: microTime(now) },
              },
            },
            deadline(this.timeout, undefined, { 'Content-Type': 'application/merge-patch+json' }),
          );
        } catch (err) {
          // The event expired since (the apiserver's event TTL): write it anew, with its count.
          if (statusOf(err) !== 404) throw err;
          written = await create();
        }
      }
      this.wrote.set(key, occurrenceOf(written));
      return 'written';
    } catch (err) {
      if (statusOf(err) === 409) return 'exists';
      this.opts.onFailure(err, e);
      return 'failed';
    }
  }

  private event(e: EventSpec, name: string, now: Date, count: number): EventsV1Event {
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: e.pod.namespace, labels: { ...MANAGED_BY } },
      // MicroTime strings on the wire (src/kube/time.ts); client-node's types call them Date.
      eventTime: microTime(now) as unknown as Date,
      ...(count > 1 ? { series: { count, lastObservedTime: microTime(now) as unknown as Date } } : {}),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance,
      action: e.action,
      reason: e.reason,
      note: noteOf(e.note),
      type: e.type,
      regarding: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: e.pod.name,
        namespace: e.pod.namespace,
        uid: e.pod.uid,
        ...(e.container ? { fieldPath: `spec.${e.initContainer ? 'initContainers' : 'containers'}{${e.container}}` } : {}),
      },
    };
  }
}
