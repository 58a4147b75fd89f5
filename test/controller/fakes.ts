// Fakes behind the controller's seams: an event sink that keeps what was emitted, a pod source
// that is also the record writer with the apiserver's rules (the JSON patch's test of the old
// record, a new resourceVersion per write, a status change that keeps the metadata), a step
// executor that records what it was asked and answers what the test says, a logger that keeps
// lines, and a kube client for constructors whose API seam is faked (it points nowhere and is
// never called).

import type { V1Pod } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import type { PodSource, StepExecutor } from '../../src/controller/controller.ts';
import type { EventSink, EventSpec } from '../../src/controller/events.ts';
import type { RecordRef, RecordWrite, RecordWriter } from '../../src/controller/podstate.ts';
import type { StepResult, StepTarget } from '../../src/controller/steps.ts';
import { STATE_KEY } from '../../src/core/annotations.ts';
import { type PodState, parseState } from '../../src/core/state.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { noCredentials } from '../../src/kube/auth.ts';

export class MemoryEvents implements EventSink {
  readonly emitted: EventSpec[] = [];
  emit(e: EventSpec): void {
    this.emitted.push(e);
  }
  /** "Reason key" of each event, in order. */
  get writes(): string[] {
    return this.emitted.map((e) => `${e.reason} ${e.key}`);
  }
  reasons(reason: string): EventSpec[] {
    return this.emitted.filter((e) => e.reason === reason);
  }
  /** Every event expired (the apiserver's --event-ttl): nothing of hahaha's depends on them. */
  expire(): void {
    this.emitted.length = 0;
  }
}

export class MemoryPods implements PodSource, RecordWriter {
  synced = true;
  readonly pods = new Map<string, V1Pod>();
  /** Record writes the apiserver took. */
  readonly recordWrites: string[] = [];
  /** The next writes throw (an apiserver that does not answer). */
  failNext = 0;
  /** Writes reach the apiserver but not this cache (a watch that lags). */
  lagging = false;
  private readonly server = new Map<string, V1Pod>();
  private rv = 1;
  get(key: string) {
    return this.pods.get(key);
  }
  list() {
    return this.pods.values();
  }
  /** A change to the pod (the kubelet's status): the record on the apiserver's copy stays, as metadata does. */
  put(pod: V1Pod) {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const before = this.server.get(key);
    const record = before?.metadata?.uid === pod.metadata?.uid ? before?.metadata?.annotations?.[STATE_KEY] : undefined;
    const annotations = { ...(pod.metadata?.annotations ?? {}), ...(record !== undefined ? { [STATE_KEY]: record } : {}) };
    const stored = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(this.rv++), annotations } };
    this.server.set(key, stored);
    this.pods.set(key, stored);
  }
  /** The record on the apiserver's copy of the pod. */
  record(key: string): PodState | undefined {
    const r = parseState(this.server.get(key)?.metadata?.annotations?.[STATE_KEY]);
    return 'state' in r ? r.state : undefined;
  }
  async write(ref: RecordRef, old: string | undefined, text: string): Promise<RecordWrite> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('HTTP 503 ServiceUnavailable'), { code: 503 });
    }
    const key = `${ref.namespace}/${ref.name}`;
    const pod = this.server.get(key);
    if (!pod || pod.metadata?.uid !== ref.uid) return { written: false, why: 'the pod is gone' };
    if (pod.metadata?.annotations?.[STATE_KEY] !== old) return { written: false, why: 'the record changed since it was read' };
    const resourceVersion = String(this.rv++);
    const stored = { ...pod, metadata: { ...pod.metadata, resourceVersion, annotations: { ...pod.metadata?.annotations, [STATE_KEY]: text } } };
    this.server.set(key, stored);
    if (!this.lagging) this.pods.set(key, stored);
    this.recordWrites.push(text);
    return { written: true, resourceVersion };
  }
  /** The cache catches up with the apiserver. */
  catchUp(): void {
    for (const [k, v] of this.server) this.pods.set(k, v);
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

export function memoryLog(): FastifyBaseLogger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => lines.push(`${level}: ${typeof obj === 'string' ? obj : (msg ?? '')}`);
  const log = { lines, level: 'info', info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal'), silent: () => undefined, child: () => log };
  return log;
}

/** A client for code whose API calls a fake answers: any request it made would be refused at once. */
export const unusedClient = (): KubeClient => new KubeClient({ server: 'https://127.0.0.1:9', tls: { rejectUnauthorized: true }, credentials: noCredentials, source: 'test' });
