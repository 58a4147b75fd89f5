// holdsUntilChanged: a plan that says so is the same plan at any later time, and asks for nothing
// (no step, no report, no recheck), over every combination of main, sidecar and native sidecar
// states, restart policies, annotations, deletion and selection. The resync passes over such pods.

import t from 'tap';
import { decide, holdsUntilChanged } from '../../src/core/plan.ts';
import { podView } from '../../src/core/pod.ts';
import { config } from '../helpers.ts';

type St = Record<string, unknown> | undefined;
const FINISHED = '2026-11-26T09:00:00Z';
const STATES: Record<string, St> = {
  running: { state: { running: { startedAt: '2026-11-26T08:59:00Z' } }, started: true, restartCount: 0 },
  creating: { state: { waiting: { reason: 'ContainerCreating' } }, restartCount: 0 },
  crashLoop: { state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 2 },
  imagePull: { state: { waiting: { reason: 'ImagePullBackOff' } }, restartCount: 0 },
  exit0: { state: { terminated: { exitCode: 0, finishedAt: FINISHED, reason: 'Completed' } }, restartCount: 0 },
  exit1: { state: { terminated: { exitCode: 1, finishedAt: FINISHED, reason: 'Error' } }, restartCount: 0 },
  // The kubelet lost the container: terminated, with no finishedAt.
  unknown: { state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown' } }, restartCount: 0 },
  none: undefined,
};
const ANNOTATIONS: Record<string, Record<string, string>> = {
  valid: { 'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit' },
  brokenAction: { 'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST 9091/quit' },
  brokenEnabled: { 'hahaha.nais.io/enabled': 'maybe' },
  optedOut: { 'hahaha.nais.io/enabled': 'false' },
};

function* pods() {
  for (const main of ['running', 'creating', 'exit0', 'exit1', 'unknown', 'none'])
    for (const restartPolicy of ['Never', 'OnFailure'])
      for (const sidecar of ['running', 'creating', 'crashLoop', 'exit0', 'exit1', 'unknown', 'none'])
        for (const native of ['absent', 'running', 'imagePull', 'crashLoop', 'exit0'])
          for (const annotations of Object.keys(ANNOTATIONS))
            for (const deleting of [false, true])
              for (const selected of [true, false]) {
                const status = (name: string, s: string) => (STATES[s] ? [{ name, ...STATES[s] }] : []);
                yield {
                  label: JSON.stringify({ main, restartPolicy, sidecar, native, annotations, deleting, selected }),
                  pod: {
                    metadata: {
                      name: 'p', namespace: 'n', uid: 'uid-1', labels: { ...(selected ? { 'nais.io/naisjob': 'true' } : {}), app: 'job' },
                      annotations: { 'hahaha.nais.io/main-container': 'job', ...ANNOTATIONS[annotations] },
                      ...(deleting ? { deletionTimestamp: FINISHED } : {}),
                    },
                    spec: {
                      restartPolicy,
                      terminationGracePeriodSeconds: 30,
                      ...(native === 'absent' ? {} : { initContainers: [{ name: 'vks-sidecar', image: 'x/vks:1', restartPolicy: 'Always' }] }),
                      containers: [{ name: 'job', image: 'x/job:1' }, { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2' }],
                    },
                    status: {
                      phase: 'Running',
                      initContainerStatuses: native === 'absent' ? [] : status('vks-sidecar', native),
                      containerStatuses: [...status('job', main), ...status('cloudsql-proxy', sidecar)],
                    },
                  },
                };
              }
}

t.test('a plan that holds until the pod changes is the same at any later time, and asks for nothing', async (t) => {
  const now = Date.parse(FINISHED) + 1000;
  let holds = 0;
  let not = 0;
  const wrong: string[] = [];
  for (const { label, pod } of pods()) {
    const view = podView(pod);
    const plan = decide(view, config(), { now, nativeMarginMs: 30_000 });
    if (!holdsUntilChanged(plan)) {
      not++;
      continue;
    }
    holds++;
    const asks = [plan.targets, plan.unreachable, plan.crashLooping, plan.noAction, plan.exitedNonZero, plan.nativeNotStarted, plan.nativeOverdue, plan.problems].some((l) => l.length > 0);
    if (asks || plan.awaiting || plan.recheckAfterMs !== undefined) wrong.push(`${label}: asks for something`);
    for (const later of [now + 60_000, now + 3_600_000, now + 10 * 86_400_000]) {
      const again = decide(view, config(), { now: later, nativeMarginMs: 30_000 });
      if (JSON.stringify(again) !== JSON.stringify(plan)) wrong.push(`${label}: differs at +${(later - now) / 1000}s`);
    }
  }
  t.same(wrong.slice(0, 5), [], `${holds} of ${holds + not} plans hold until the pod changes`);
  t.ok(holds > 500 && not > 500, 'both kinds are well represented');
});

t.test('what holds and what does not, by case', async (t) => {
  const plan = (o: Partial<Parameters<typeof holdsUntilChanged>[0]>) =>
    holdsUntilChanged({ kind: 'wait', reason: '', targets: [], unreachable: [], crashLooping: [], noAction: [], exitedNonZero: [], awaiting: false, problems: [], nativeNotStarted: [], nativeOverdue: [], state: { sidecars: {}, reported: [] }, givenUp: [], reports: [], ...o });
  t.ok(plan({}), 'mains not all finished, nothing to say');
  t.ok(plan({ kind: 'ignore' }), 'not hahaha\'s pod');
  t.notOk(plan({ problems: ['x: bad'], reports: [{ kind: 'problems', reason: 'InvalidShutdownAnnotation', key: 'InvalidShutdownAnnotation' }] }), 'a problem to report');
  t.ok(plan({ problems: ['x: bad'] }), 'a problem the pod\'s record says was reported: nothing more to say');
  t.notOk(plan({ reports: [{ kind: 'nativeNotStarted', reason: 'NativeSidecarNotStarted', key: 'NativeSidecarNotStarted/n', report: { container: 'n', detail: 'ImagePullBackOff' } }] }), 'a native sidecar to report');
  t.notOk(plan({ mainsFinishedAt: FINISHED }), 'mains finished: waiting for sidecars depends on what they do');
  t.notOk(plan({ awaiting: true }), 'awaiting its sidecars, even with no finishedAt to go by');
  t.notOk(plan({ reports: [{ kind: 'noAction', reason: 'NoShutdownAction', key: 'NoShutdownAction/s', report: { container: 's', detail: 'no action' } }] }), 'a sidecar to report');
  t.notOk(plan({ recheckAfterMs: 1000 }), 'a deadline to look again at');
  t.notOk(plan({ kind: 'act' }));
  t.notOk(plan({ kind: 'done', mainsFinishedAt: FINISHED }));
});
