// The controller's decision, from the pod as it is now (level-triggered: nothing remembered):
// ignore it, wait for its main containers, shut these sidecars down with these actions, or
// nothing left to do. Also what must be reported: sidecars that never started, running sidecars
// with no usable action, sidecars that exited non-zero. Pure, so a restart of hahaha or a missed
// watch event changes nothing: the next look at the pod decides the same.

import type { Action, Step } from './action.ts';
import { type Config, analyze, problemMessage } from './analysis.ts';
import { shutdownKey } from './annotations.ts';
import { catalogAction, matchCatalog } from './catalog.ts';
import type { ContainerStateView, PodView } from './pod.ts';
import { allowsExec } from './policy.ts';

export interface Target {
  readonly container: string;
  readonly action: Action;
  readonly source: 'annotation' | 'catalog';
  /** Why the action is not simply the pod's annotation, for the event. */
  readonly note?: string;
  /** One running instance of the container: pod UID, name, restart count. */
  readonly instance: string;
  readonly restartCount: number;
}

export interface Report {
  readonly container: string;
  readonly instance: string;
  readonly detail: string;
}

export interface ExitReport extends Report {
  readonly exitCode: number;
}

export type PlanKind = 'ignore' | 'wait' | 'act' | 'done';

export interface Plan {
  readonly kind: PlanKind;
  readonly reason: string;
  /** Running sidecars to shut down (kind act). */
  readonly targets: readonly Target[];
  /** Sidecars that never started: they cannot be reached. */
  readonly unreachable: readonly Report[];
  /** Running sidecars with no action hahaha may carry out. */
  readonly noAction: readonly Report[];
  /** Sidecars that exited non-zero after the main containers finished. */
  readonly exitedNonZero: readonly ExitReport[];
  /** Main containers done and a sidecar still running or waiting: the pod is stuck without us. */
  readonly awaiting: boolean;
  /** When the last main container finished (RFC 3339), once all have. */
  readonly mainsFinishedAt?: string;
  /** Problems with the pod's hahaha annotations (the validating webhook would have denied them). */
  readonly problems: readonly string[];
}

export const instanceOf = (pod: PodView, container: string, restartCount: number): string => `${pod.uid}/${container}/${restartCount}`;

const plan = (kind: PlanKind, reason: string, more: Partial<Plan> = {}): Plan => ({
  kind,
  reason,
  targets: [],
  unreachable: [],
  noAction: [],
  exitedNonZero: [],
  awaiting: false,
  problems: [],
  ...more,
});

/** Is this main container finished for good, or will the kubelet start it again? */
function mainState(pod: PodView, name: string, s: ContainerStateView | undefined): string | undefined {
  if (!s || s.state !== 'terminated') return `main container ${name} is ${s ? s.state : 'not started yet'}`;
  if (pod.restartPolicy === 'Always') return `main container ${name} exited ${s.exitCode} and restartPolicy Always restarts it`;
  if (pod.restartPolicy === 'OnFailure' && s.exitCode !== 0) {
    return `main container ${name} exited ${s.exitCode} and will be restarted (restartPolicy OnFailure)`;
  }
  return undefined;
}

/** The steps of an action that the exec policy allows, and the refused ones. */
function allowedSteps(config: Config, action: Action): { steps: Step[]; refused: Step[] } {
  const steps: Step[] = [];
  const refused: Step[] = [];
  for (const s of action) (s.kind === 'exec' && !allowsExec(config.policy, s.argv) ? refused : steps).push(s);
  return { steps, refused };
}

export function decide(pod: PodView, config: Config): Plan {
  const a = analyze(pod, config);
  const problems = a.problems.map(problemMessage);
  if (!a.managed) return plan('ignore', a.reason);
  if (pod.deleting) return plan('ignore', 'the pod is being deleted');
  if (a.mains.length === 0) return plan('ignore', `cannot tell the main containers: ${problems.join('; ') || 'the pod has no containers'}`, { problems });

  const status = new Map(pod.containerStatuses.map((s) => [s.name, s]));
  for (const m of a.mains) {
    const waitingFor = mainState(pod, m, status.get(m));
    if (waitingFor) return plan('wait', waitingFor, { problems });
  }
  const mainsFinishedAt = a.mains
    .map((m) => status.get(m)?.finishedAt ?? '')
    .sort()
    .at(-1);

  const targets: Target[] = [];
  const unreachable: Report[] = [];
  const noAction: Report[] = [];
  const exitedNonZero: ExitReport[] = [];
  let stillUp = 0;
  for (const sidecar of a.sidecars) {
    const s = status.get(sidecar.name);
    const restartCount = s?.restartCount ?? 0;
    const instance = instanceOf(pod, sidecar.name, restartCount);
    const report = { container: sidecar.name, instance };
    if (s?.state === 'terminated') {
      if (s.exitCode !== 0) exitedNonZero.push({ ...report, exitCode: s.exitCode ?? -1, detail: `exited ${s.exitCode}${s.reason ? ` (${s.reason})` : ''}` });
      continue;
    }
    stillUp++;
    if (s?.state !== 'running') {
      unreachable.push({ ...report, detail: `never started: ${s?.reason ?? s?.state ?? 'no status yet'}` });
      continue;
    }
    let action = sidecar.action;
    let source: Target['source'] = sidecar.source === 'catalog' ? 'catalog' : 'annotation';
    let note = sidecar.source === 'catalog' ? `no ${shutdownKey(sidecar.name)} annotation: action from the catalog` : undefined;
    if (sidecar.source === 'annotation' && !action) {
      // The annotation is broken (it got in while the validating webhook was down): fall back to the catalog.
      const container = pod.containers.find((c) => c.name === sidecar.name);
      const entry = container && matchCatalog(config.catalog, container);
      const problem = problems.find((p) => p.startsWith(`${shutdownKey(sidecar.name)}:`)) ?? 'invalid annotation';
      if (!entry || !container) {
        noAction.push({ ...report, detail: problem });
        continue;
      }
      action = catalogAction(entry, container, pod.annotations).action;
      source = 'catalog';
      note = `${problem}; action from the catalog`;
    }
    if (!action) {
      noAction.push({ ...report, detail: `no ${shutdownKey(sidecar.name)} annotation and no catalog entry` });
      continue;
    }
    if (action.length === 1 && action[0]?.kind === 'none') continue; // exits by itself
    const { steps, refused } = allowedSteps(config, action);
    if (steps.length === 0) {
      noAction.push({ ...report, detail: 'every step is an exec the exec policy does not allow' });
      continue;
    }
    if (refused.length) note = [note, `${refused.length} exec step(s) not allowed by the exec policy were left out`].filter(Boolean).join('; ');
    targets.push({ container: sidecar.name, action: steps, source, instance, restartCount, ...(note ? { note } : {}) });
  }
  const more = { unreachable, noAction, exitedNonZero, awaiting: stillUp > 0, problems, ...(mainsFinishedAt ? { mainsFinishedAt } : {}) };
  if (targets.length) return plan('act', `main containers finished; shutting down ${targets.map((t) => t.container).join(', ')}`, { ...more, targets });
  if (stillUp > 0) return plan('wait', 'main containers finished; waiting for sidecars that hahaha cannot shut down', more);
  return plan('done', 'main containers finished and every sidecar has exited', more);
}
