// The controller's decision for native sidecars: the kubelet's job until the pod's
// terminationGracePeriodSeconds plus a margin after the last regular container; then a fallback
// with the sidecar's action. A native sidecar that never starts is reported once per pod; exit
// codes of native sidecars at shutdown are never failures.

import t from 'tap';
import { formatAction } from '../../src/core/action.ts';
import { decide } from '../../src/core/plan.ts';
import { podView } from '../../src/core/pod.ts';
import { config } from '../helpers.ts';

const FINISHED = '2026-11-26T09:00:00Z';
const at = (seconds: number): number => Date.parse(FINISHED) + seconds * 1000;
type St = Record<string, unknown>;
const running = (started = true): St => ({ state: { running: { startedAt: '2026-11-26T08:59:00Z' } }, started });
const exited = (code: number, finishedAt = FINISHED): St => ({ state: { terminated: { exitCode: code, finishedAt, reason: code ? 'Error' : 'Completed' } } });
const waiting = (reason: string): St => ({ state: { waiting: { reason } } });

function nativePod(main: St, natives: Record<string, St>, o: { grace?: number; annotations?: Record<string, string>; restarts?: number } = {}) {
  return {
    metadata: { name: 'p', namespace: 'n', uid: 'uid-1', labels: { 'nais.io/naisjob': 'true', app: 'job' }, annotations: { 'hahaha.nais.io/main-container': 'job', ...o.annotations } },
    spec: {
      restartPolicy: 'Never',
      ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}),
      initContainers: [
        { name: 'setup', image: 'busybox' },
        { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2', args: ['--quitquitquit'], restartPolicy: 'Always' },
        { name: 'vks-sidecar', image: 'x/vks:1', restartPolicy: 'Always' },
        { name: 'stranger', image: 'x/unknown:1', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'job', image: 'x/job:1' }],
    },
    status: {
      initContainerStatuses: [{ name: 'setup', restartCount: 0, ...exited(0, '2026-11-26T08:58:00Z') }, ...Object.entries(natives).map(([name, s]) => ({ name, restartCount: o.restarts ?? 0, ...s }))],
      containerStatuses: [{ name: 'job', restartCount: 0, ...main }],
    },
  };
}
const decideAt = (p: unknown, now: number) => decide(podView(p), config(), { now, nativeMarginMs: 30_000 });

t.test('while the kubelet has time, native sidecars are its job: wait, and look again at the deadline', async (t) => {
  const p = nativePod(exited(0), { 'cloudsql-proxy': running(), 'vks-sidecar': running() });
  const plan = decideAt(p, at(10));
  t.equal(plan.kind, 'wait');
  t.match(plan.reason, 'the kubelet is stopping the native sidecars cloudsql-proxy, vks-sidecar');
  t.same(plan.targets, []);
  t.equal(plan.awaiting, false, 'not stuck: the kubelet is on it');
  t.equal(plan.recheckAfterMs, 50_000, '30 s grace + 30 s margin - 10 s');
  t.equal(decideAt(nativePod(exited(0), { 'vks-sidecar': running() }, { grace: 5 }), at(10)).recheckAfterMs, 25_000, 'the pod\'s own grace period');
});

t.test('past the deadline the kubelet failed: report, then each sidecar\'s fallback action', async (t) => {
  const p = nativePod(exited(0), { 'cloudsql-proxy': running(), 'vks-sidecar': exited(143), stranger: running() });
  const plan = decideAt(p, at(61));
  t.equal(plan.kind, 'act');
  t.same(plan.targets.map((x) => [x.container, formatAction(x.action), x.native]), [['cloudsql-proxy', 'POST :9091/quitquitquit', true]]);
  t.same(plan.reports.map((r) => r.key), ['NoShutdownAction/stranger', 'NativeSidecarNotStopped/cloudsql-proxy', 'NativeSidecarNotStopped/stranger'], 'each reported once per pod and container');
  t.equal(plan.targets[0]?.restartCount, 0);
  t.match(plan.targets[0]?.note, 'the kubelet did not stop native sidecar cloudsql-proxy');
  t.same(plan.nativeOverdue.map((r) => r.container), ['cloudsql-proxy', 'stranger']);
  t.match(plan.nativeOverdue[0]?.detail, 'still running 61s after the last regular container finished (terminationGracePeriodSeconds 30)');
  t.same(plan.noAction.map((r) => r.container), ['stranger'], 'an unknown native sidecar has no fallback');
  t.same(plan.exitedNonZero, [], 'exit 143 of a native sidecar at shutdown is normal');
  t.equal(plan.awaiting, true);
  const fromAnnotation = decideAt(nativePod(exited(0), { 'vks-sidecar': running() }, { annotations: { 'shutdown.hahaha.nais.io/vks-sidecar': 'exec /bin/kill -s TERM 1 || exec /bin/kill -s INT 1' } }), at(61));
  t.equal(formatAction(fromAnnotation.targets[0]?.action ?? []), 'exec /bin/kill -s INT 1', "the pod's annotation is the fallback (less what the exec policy refuses)");
});

t.test('one fallback per pod and container: the record holds the progress and the report whatever the restarts', async (t) => {
  const record = JSON.stringify({ sidecars: { 'cloudsql-proxy': { round: 0, step: 0, claimed: '2026-11-26T09:01:01Z', restarts: 0, firstRestarts: 0 } }, reported: ['NativeSidecarNotStopped/cloudsql-proxy'] });
  const restarted = decideAt(nativePod(exited(0), { 'cloudsql-proxy': running() }, { restarts: 3, annotations: { 'state.hahaha.nais.io/v1': record } }), at(200));
  t.match(restarted.targets[0]?.progress, { round: 0, step: 0, restarts: 0 }, 'the same progress: the controller sees the restart against it');
  t.same(restarted.reports, [], 'NativeSidecarNotStopped was made once');
  t.equal(restarted.targets[0]?.restartCount, 3, 'the running instance is the one watched for termination');
  const gaveUp = JSON.stringify({ sidecars: { 'cloudsql-proxy': { round: 0, step: 0, claimed: '2026-11-26T09:01:01Z', restarts: 0, firstRestarts: 0, gaveUp: true } }, reported: ['NativeSidecarNotStopped/cloudsql-proxy'] });
  const left = decideAt(nativePod(exited(0), { 'cloudsql-proxy': running() }, { restarts: 3, annotations: { 'state.hahaha.nais.io/v1': gaveUp } }), at(200));
  t.same([left.kind, left.targets, left.givenUp], ['wait', [], ['cloudsql-proxy']], 'given up: left alone');
});

t.test('no finishedAt on a regular container (ContainerStatusUnknown): no deadline to hold the kubelet to, so no fallback', async (t) => {
  const p = nativePod({ state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown' } } }, { 'cloudsql-proxy': running() });
  const plan = decideAt(p, at(100_000));
  t.same(plan.targets, []);
  t.same(plan.nativeOverdue, []);
});

t.test('an invalid native-sidecars annotation is a problem, and the sidecars are still planned', async (t) => {
  const plan = decideAt(nativePod(exited(0), { 'cloudsql-proxy': running() }, { annotations: { 'hahaha.nais.io/native-sidecars': 'yes' } }), at(61));
  t.match(plan.problems, ['hahaha.nais.io/native-sidecars: expected "true" or "false", got "yes"']);
  t.same(plan.targets.map((x) => x.container), ['cloudsql-proxy']);
});

t.test('all native sidecars gone: done, with no failure reported for 137 or 143', async (t) => {
  const plan = decideAt(nativePod(exited(0), { 'cloudsql-proxy': exited(137), 'vks-sidecar': exited(143), stranger: exited(0) }), at(5));
  t.equal(plan.kind, 'done');
  t.same(plan.exitedNonZero, []);
  t.same(plan.nativeOverdue, []);
});

t.test('the main container still runs, or will be restarted: native sidecars are left alone', async (t) => {
  t.equal(decideAt(nativePod(running(), { 'cloudsql-proxy': running() }), at(600)).kind, 'wait');
  const p = nativePod(exited(1), { 'cloudsql-proxy': running() });
  p.spec.restartPolicy = 'OnFailure';
  t.match(decideAt(p, at(600)), { kind: 'wait', targets: [] });
});

t.test('a native sidecar that never starts keeps the main container from starting: reported, once per pod', async (t) => {
  const cases: [St, number, RegExp][] = [
    [waiting('ImagePullBackOff'), 0, /^ImagePullBackOff$/],
    [waiting('CrashLoopBackOff'), 4, /^CrashLoopBackOff after 4 restart\(s\)$/],
    [running(false), 3, /startupProbe has not passed after 3 restart\(s\)/],
  ];
  for (const [state, restarts, detail] of cases) {
    const plan = decideAt(nativePod(waiting('PodInitializing'), { 'cloudsql-proxy': state }, { restarts }), at(0));
    t.equal(plan.kind, 'wait');
    t.equal(plan.nativeNotStarted.length, 1);
    t.match(plan.nativeNotStarted[0]?.detail, detail);
    t.same(plan.reports.map((r) => r.key), ['NativeSidecarNotStarted/cloudsql-proxy'], 'the same key whatever the restart count: one event');
  }
  t.same(decideAt(nativePod(waiting('PodInitializing'), { 'cloudsql-proxy': waiting('ContainerCreating') }), at(0)).nativeNotStarted, [], 'on its way is not a problem');
  t.same(decideAt(nativePod(running(), { 'cloudsql-proxy': waiting('CrashLoopBackOff') }, { restarts: 2 }), at(0)).nativeNotStarted, [], 'once the main container runs, it did start');
});
