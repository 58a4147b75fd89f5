// Fakes behind the controller's seams: an in-memory event log with the apiserver's write rules
// (a claim answers 'exists' when its count is already written), a step executor that records
// what it was asked and answers what the test says, a pod source, a logger that keeps lines, and a
// kube client for constructors whose API seam is faked (it points nowhere and is never called).

import type { V1Pod } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import type { PodSource, StepExecutor } from '../../src/controller/controller.ts';
import { type EventSink, type EventSpec, type Written, eventName } from '../../src/controller/events.ts';
import type { StepResult, StepTarget } from '../../src/controller/steps.ts';
import type { Occurrence } from '../../src/core/reconcile.ts';
import type { Clock } from '../../src/controller/clock.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { noCredentials } from '../../src/kube/auth.ts';

export class MemoryEvents implements EventSink {
  synced = true;
  readonly byName = new Map<string, Occurrence & { reason: string; key: string; note: string }>();
  readonly writes: string[] = [];
  failNext = 0;
  private readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }
  read(e: Pick<EventSpec, 'pod' | 'reason' | 'key'>): Occurrence | undefined {
    return this.byName.get(eventName(e));
  }
  async record(e: EventSpec): Promise<Written> {
    if (this.read(e)) return 'exists';
    return this.occur(e, 1, true);
  }
  async occur(e: EventSpec, count: number, exclusive: boolean): Promise<Written> {
    if (this.failNext > 0) {
      this.failNext--;
      return 'failed';
    }
    const known = this.read(e);
    if (known && (known.count > count || known.count === count)) return 'exists';
    void exclusive;
    this.byName.set(eventName(e), { count, at: this.clock.now(), reason: e.reason, key: e.key, note: e.note });
    this.writes.push(`${e.reason} ${e.key} #${count}`);
    return 'written';
  }
  reasons(reason: string) {
    return [...this.byName.values()].filter((e) => e.reason === reason);
  }
}

export class ScriptedSteps implements StepExecutor {
  readonly calls: string[] = [];
  /** What the next calls answer (default: ok). */
  answers: (StepResult | ((signal: AbortSignal) => Promise<StepResult>))[] = [];
  private async answer(what: string, signal: AbortSignal): Promise<StepResult> {
    this.calls.push(what);
    const next = this.answers.shift() ?? { ok: true, detail: 'HTTP 200' };
    return typeof next === 'function' ? next(signal) : next;
  }
  http(t: StepTarget, step: { method: string; port: number; path: string }, signal: AbortSignal) {
    return this.answer(`${t.pod}/${t.container}: ${step.method} :${step.port}${step.path}`, signal);
  }
  exec(t: StepTarget, step: { argv: readonly string[] }, signal: AbortSignal) {
    return this.answer(`${t.pod}/${t.container}: exec ${step.argv.join(' ')}`, signal);
  }
}

export class MemoryPods implements PodSource {
  synced = true;
  readonly pods = new Map<string, V1Pod>();
  get(key: string) {
    return this.pods.get(key);
  }
  list() {
    return this.pods.values();
  }
  put(pod: V1Pod) {
    this.pods.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
  }
}

export function memoryLog(): FastifyBaseLogger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => lines.push(`${level}: ${typeof obj === 'string' ? obj : (msg ?? '')}`);
  const log = { lines, level: 'info', info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal'), silent: () => undefined, child: () => log };
  return log;
}

/** A client for code whose API calls a fake answers: any request it made would be refused at once. */
export const unusedClient = (): KubeClient => new KubeClient({ server: 'https://127.0.0.1:9', tls: { rejectUnauthorized: true }, credentials: noCredentials, source: 'test' });
