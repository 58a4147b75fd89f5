// Kubernetes Events (events.k8s.io/v1) on the pod, from reporting controller "hahaha": what hahaha
// did and what it could not do, for people and for `kubectl describe`. Events are output only:
// what hahaha decided lives in the pod's own record (src/core/state.ts), which outlasts the
// apiserver's --event-ttl, so hahaha neither watches nor lists Events. Each event has a name
// derived from what it is about (pod UID, reason, key), so the same outcome written twice answers
// 409 and stays one event. Writes never block the controller and never pile up: at most
// MAX_IN_FLIGHT go at once and MAX_QUEUED wait; beyond that an event is dropped, and counted.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventsV1Event } from '@kubernetes/client-node';
import { type CallOptions, type KubeClient, apiPath } from '../kube/client.ts';
import { microTime } from '../kube/time.ts';
import { REQUEST_TIMEOUT_MS, deadline, statusOf } from './api.ts';
import type { Clock } from './clock.ts';

export const REPORTING_CONTROLLER = 'hahaha';

/** Event writes in flight at once: a burst of shutdowns never opens a connection per event. */
export const MAX_IN_FLIGHT = 8;
/** Events waiting for a write; past this, new ones are dropped (and counted). */
export const MAX_QUEUED = 1_000;

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
  /** What makes this outcome distinct (with the pod and the reason): the container, round and step. */
  readonly key: string;
}

export interface EventSink {
  /** Write the event, in the background: never waits, never throws. */
  emit(e: EventSpec): void;
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

/** The calls made to Events (named and shaped as client-node's EventsV1Api). */
export interface EventsApi {
  createNamespacedEvent(p: { namespace: string; body: EventsV1Event }, options: CallOptions): Promise<EventsV1Event>;
  /** One event by name (only to read an earlier version's cursor, src/controller/legacy.ts). */
  readNamespacedEvent(p: { name: string; namespace: string }, options: CallOptions): Promise<EventsV1Event>;
}

const EVENTS = '/apis/events.k8s.io/v1';

/** The Events API as REST calls on the client. */
export function kubeEventsApi(client: KubeClient): EventsApi {
  return {
    createNamespacedEvent: ({ namespace, body }, options) => client.create(`${EVENTS}${apiPath`/namespaces/${namespace}/events`}`, body, options),
    readNamespacedEvent: ({ name, namespace }, options) => client.get(`${EVENTS}${apiPath`/namespaces/${namespace}/events/${name}`}`, options),
  };
}

export interface EventWriterOptions {
  readonly api: EventsApi;
  readonly clock: Clock;
  readonly instance?: string;
  /** A write failed (not a 409: that outcome is already written). */
  readonly onFailure: (e: unknown, spec: EventSpec) => void;
  /** The queue was full: the event was not written. */
  readonly onDropped: (spec: EventSpec) => void;
  readonly requestTimeoutMs?: number;
  readonly maxInFlight?: number;
  readonly maxQueued?: number;
}

export class EventWriter implements EventSink {
  private readonly opts: EventWriterOptions;
  private readonly instance: string;
  private readonly queue: EventSpec[] = [];
  private head = 0;
  private inFlight = 0;
  private idle?: () => void;

  constructor(options: EventWriterOptions) {
    this.opts = options;
    this.instance = (options.instance ?? hostname()).slice(0, 128);
  }

  emit(e: EventSpec): void {
    if (this.queue.length - this.head >= (this.opts.maxQueued ?? MAX_QUEUED)) {
      this.opts.onDropped(e);
      return;
    }
    this.queue.push(e);
    this.pump();
  }

  /** Resolves once nothing is queued or in flight (tests, and a graceful stop). */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.head === this.queue.length) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.idle;
      this.idle = () => {
        before?.();
        resolve();
      };
    });
  }

  private pump(): void {
    while (this.inFlight < (this.opts.maxInFlight ?? MAX_IN_FLIGHT) && this.head < this.queue.length) {
      const e = this.queue[this.head++] as EventSpec;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      void this.write(e).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.head === this.queue.length) {
          const idle = this.idle;
          this.idle = undefined;
          idle?.();
        }
      });
    }
  }

  private async write(e: EventSpec): Promise<void> {
    const name = eventName(e);
    try {
      await this.opts.api.createNamespacedEvent({ namespace: e.pod.namespace, body: this.event(e, name, new Date(this.opts.clock.now())) }, deadline(this.opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS));
    } catch (err) {
      // 409: this outcome is already written (by this replica or another); one event it stays.
      if (statusOf(err) !== 409) this.opts.onFailure(err, e);
    }
  }

  private event(e: EventSpec, name: string, now: Date): EventsV1Event {
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: e.pod.namespace, labels: { ...MANAGED_BY } },
      // MicroTime strings on the wire (src/kube/time.ts); client-node's types call them Date.
      eventTime: microTime(now) as unknown as Date,
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
