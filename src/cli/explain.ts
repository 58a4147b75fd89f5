// `hahaha explain`: what hahaha makes of a pod (or a Job's or CronJob's pod template), as text for
// people or JSON for scripts. The report is built by a pure function from the same analysis the
// webhooks use, so its denial message is the validating webhook's, word for word.

import { formatAction } from '../core/action.ts';
import { type Analysis, type Config, analyze, denialMessage, problemMessage } from '../core/analysis.ts';
import { type NativeDecision, NOT_CONVERTING } from '../core/native.ts';
import { type Plan, decide } from '../core/plan.ts';
import { podView } from '../core/pod.ts';
import type { LiveEvent } from './live.ts';

/** Where a live pod stands, from the controller's own decision. */
export interface Standing {
  readonly state: 'not acted on' | 'waiting for main' | 'shutting down' | 'stuck' | 'done';
  readonly why: string;
  readonly details: readonly string[];
}

/** Where a live pod stands, from the controller's own decision, the pod's record and (while they last) hahaha's events. */
export function standing(plan: Plan, events: readonly LiveEvent[] = []): Standing {
  const givenUp = plan.givenUp.map((c) => {
    const said = events.find((e) => e.reason === 'ShutdownAbandoned' && e.container === c);
    if (said) return `${c}: ${said.note}`;
    const p = plan.state.sidecars[c];
    return `${c}: hahaha gave up on it${p ? ` after ${p.round + 1} round(s)` : ''} (its ShutdownAbandoned event, which said why, has expired)`;
  });
  const details = [
    ...plan.unreachable.map((r) => `${r.container}: ${r.detail}`),
    ...plan.crashLooping.map((r) => `${r.container}: ${r.detail}`),
    ...plan.noAction.map((r) => `${r.container}: ${r.detail}`),
    ...plan.exitedNonZero.map((r) => `${r.container}: ${r.detail}`),
    ...plan.nativeNotStarted.map((r) => `${r.container}: native sidecar not started: ${r.detail}`),
    ...plan.nativeOverdue.map((r) => `${r.container}: the kubelet has not stopped it: ${r.detail}`),
    ...givenUp,
  ];
  switch (plan.kind) {
    case 'ignore':
      return { state: 'not acted on', why: plan.reason, details };
    case 'done':
      return { state: 'done', why: plan.reason, details };
    case 'wait':
      return plan.awaiting ? { state: 'stuck', why: plan.reason, details } : { state: 'waiting for main', why: plan.reason, details };
    case 'act':
      return givenUp.length ? { state: 'stuck', why: 'hahaha gave up on a sidecar', details } : { state: 'shutting down', why: plan.reason, details };
  }
}

export interface ExplainReport {
  readonly pod: string;
  readonly from: string;
  readonly managed: boolean;
  readonly reason: string;
  readonly mainContainers: readonly string[];
  readonly mainSource: string | null;
  readonly sidecars: readonly { name: string; action: string | null; source: string }[];
  readonly nativeSidecars: readonly string[];
  /** Per sidecar: native already, made native (moved, or asked of its injector), or staying a regular container; and why. */
  readonly native: {
    readonly convert: boolean;
    readonly reason: string;
    readonly sidecars: readonly { name: string; native: 'native' | 'moved' | 'injector' | 'stays'; reason: string }[];
  } | null;
  readonly additions: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  readonly problems: readonly string[];
  readonly allowed: boolean;
  readonly denial: string | null;
  /** Live pods only. */
  readonly standing?: Standing;
  readonly events?: readonly LiveEvent[];
}

export function explainReport(obj: unknown, from: string, config: Config, events?: readonly LiveEvent[], cluster: NativeDecision = NOT_CONVERTING): ExplainReport {
  const pod = podView(obj);
  const a: Analysis = analyze(pod, config, cluster);
  const c = a.conversion;
  const native = c
    ? {
        convert: c.convert,
        reason: c.reason,
        sidecars: [
          ...a.nativeSidecars.map((name) => ({ name, native: 'native' as const, reason: 'already a native sidecar: the kubelet stops it; hahaha steps in only if it does not' })),
          ...c.sidecars.map((s) => ({
            name: s.name,
            native: s.verdict === 'move' ? (c.convert ? ('moved' as const) : ('stays' as const)) : s.verdict,
            reason: s.verdict === 'move' && !c.convert ? `would be moved if the pod were converted (${c.reason})` : s.reason,
          })),
        ],
      }
    : null;
  return {
    ...(events ? { standing: standing(decide(pod, config), events), events } : {}),
    pod: pod.namespace ? `${pod.namespace}/${pod.name}` : pod.name,
    from,
    managed: a.managed,
    reason: a.reason,
    mainContainers: a.mains,
    mainSource: a.mainSource ?? null,
    sidecars: a.sidecars.map((s) => ({ name: s.name, action: s.action ? formatAction(s.action) : null, source: s.source })),
    nativeSidecars: a.nativeSidecars,
    native,
    additions: a.additions,
    warnings: a.warnings,
    problems: a.problems.map(problemMessage),
    allowed: a.problems.length === 0,
    denial: a.problems.length ? denialMessage(a.problems) : null,
  };
}

const MAIN_SOURCE: Record<string, string> = {
  annotation: 'from hahaha.nais.io/main-container',
  'app-label': 'from the app label',
  'default-container': 'from kubectl.kubernetes.io/default-container',
  'first-container': 'the first container',
};
const ACTION_SOURCE: Record<string, string> = { annotation: 'from its annotation', catalog: 'from the catalog', none: 'unknown sidecar' };

export function renderText(report: ExplainReport): string {
  const out: string[] = [];
  out.push(`Pod ${report.pod || '(unnamed)'} (${report.from}): ${report.managed ? 'managed' : 'not managed'}, ${report.reason}`);
  if (report.managed) {
    out.push(`Main containers: ${report.mainContainers.join(', ') || '(none)'}${report.mainSource ? ` (${MAIN_SOURCE[report.mainSource]})` : ''}`);
    if (report.sidecars.length) {
      out.push('Sidecars:');
      const w = Math.max(...report.sidecars.map((s) => s.name.length));
      const shown = (s: ExplainReport['sidecars'][number]): string => s.action ?? (s.source === 'annotation' ? '(invalid)' : '(no action)');
      const aw = Math.max(...report.sidecars.map((s) => shown(s).length));
      for (const s of report.sidecars) out.push(`  ${s.name.padEnd(w)}  ${shown(s).padEnd(aw)}  ${ACTION_SOURCE[s.source]}`);
    } else {
      out.push('Sidecars: none');
    }
    if (report.nativeSidecars.length) out.push(`Native sidecars (stopped by the kubelet): ${report.nativeSidecars.join(', ')}`);
    if (report.native && report.native.sidecars.length) {
      out.push(`Native: ${report.native.convert ? 'converted' : 'not converted'}: ${report.native.reason}`);
      const w = Math.max(...report.native.sidecars.map((s) => s.name.length));
      for (const s of report.native.sidecars) out.push(`  ${s.name.padEnd(w)}  ${s.native.padEnd(8)}  ${s.reason}`);
    }
    const adds = Object.entries(report.additions);
    if (adds.length) {
      out.push('The mutating webhook adds:');
      for (const [k, v] of adds) out.push(`  ${k}: ${v}`);
    }
  }
  if (report.warnings.length) {
    out.push('Warnings:');
    for (const w of report.warnings) out.push(`  - ${w}`);
  }
  if (report.problems.length) {
    out.push('Denied by the validating webhook:');
    for (const p of report.problems) out.push(`  - ${p}`);
  }
  if (report.standing) {
    out.push(`Now: ${report.standing.state}: ${report.standing.why}`);
    for (const d of report.standing.details) out.push(`  - ${d}`);
  }
  if (report.events?.length) {
    out.push("hahaha's events:");
    for (const e of report.events) out.push(`  ${e.time.slice(11, 19)}  ${e.type.padEnd(7)} ${e.reason.padEnd(20)} ${e.note}${e.count > 1 ? ` (x${e.count})` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
