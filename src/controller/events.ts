// Kubernetes Events (events.k8s.io/v1) on the pod, from reporting controller "hahaha". Each event
// has a name derived from what it is about (pod UID, container instance, reason), so an outcome
// is reported once per container instance however often the pod is reconciled, by whichever
// replica, before or after a restart: a second create answers 409 and is not repeated. Events
// that may recur (a failed step retried) update the first one's series count instead.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { EventsV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { statusOf } from './api-errors.ts';

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
  /** When the same outcome happens again: count it on the existing event (true) or stay silent. */
  readonly recurring?: boolean;
}

export type Recorded = 'created' | 'exists' | 'counted' | 'failed';

export interface EventSink {
  record(e: EventSpec): Promise<Recorded>;
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

/** RFC 3339 with microseconds, as metav1.MicroTime is written. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function eventName(e: Pick<EventSpec, 'pod' | 'reason' | 'key'>): string {
  const hash = createHash('sha256').update(`${e.pod.uid}\n${e.reason}\n${e.key}`).digest('hex').slice(0, 16);
  return `${e.pod.name.slice(0, 200)}.hahaha.${hash}`;
}

export class EventRecorder implements EventSink {
  private readonly api: EventsV1Api;
  private readonly instance: string;
  private readonly onFailure: (e: unknown, spec: EventSpec) => void;
  /** Names already created or seen to exist, so steady reconciles cost no API call. */
  private readonly known = new Map<string, number>();

  constructor(kc: KubeConfig, onFailure: (e: unknown, spec: EventSpec) => void, instance = hostname()) {
    this.api = kc.makeApiClient(EventsV1Api);
    this.instance = instance.slice(0, 128);
    this.onFailure = onFailure;
  }

  async record(e: EventSpec): Promise<Recorded> {
    const name = eventName(e);
    const count = this.known.get(name);
    if (count !== undefined && !e.recurring) return 'exists';
    const now = new Date();
    try {
      if (count === undefined) {
        try {
          await this.api.createNamespacedEvent({
            namespace: e.pod.namespace,
            body: {
              apiVersion: 'events.k8s.io/v1',
              kind: 'Event',
              metadata: { name, namespace: e.pod.namespace, labels: { 'app.kubernetes.io/managed-by': 'hahaha' } },
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
            },
          });
          this.remember(name, 1);
          return 'created';
        } catch (err) {
          if (statusOf(err) !== 409) throw err;
          this.remember(name, 1);
          if (!e.recurring) return 'exists';
        }
      }
      const next = (this.known.get(name) ?? 1) + 1;
      await this.api.patchNamespacedEvent(
        { name, namespace: e.pod.namespace, body: { series: { count: next, lastObservedTime: microTime(now) }, note: noteOf(e.note) } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      this.remember(name, next);
      return 'counted';
    } catch (err) {
      this.onFailure(err, e);
      return 'failed';
    }
  }

  /** Bounded memory: forget the oldest names first (they are only a cache of what the API knows). */
  private remember(name: string, count: number): void {
    this.known.delete(name);
    this.known.set(name, count);
    if (this.known.size > 20_000) this.known.delete(this.known.keys().next().value as string);
  }
}
