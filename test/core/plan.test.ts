// The controller's decision from the pod as it is now: wait, act on these sidecars, report, or
// nothing to do. Every case of docs/design.md's "The controller".

import t from 'tap';
import { formatAction } from '../../src/core/action.ts';
import { decide, type Plan } from '../../src/core/plan.ts';
import { podView } from '../../src/core/pod.ts';
import { config, pod } from '../helpers.ts';

type State = 'running' | `waiting:${string}` | `exit:${number}`;
/** A fixture pod with container statuses: `{ dataloader: 'exit:0', 'vks-sidecar': 'running' }`. */
function withStatus(name: string, states: Record<string, State>, extra: { restarts?: Record<string, number>; deleting?: boolean; annotations?: Record<string, string> } = {}) {
  const p = pod(name);
  p.metadata.uid = 'uid-1';
  if (extra.deleting) p.metadata.deletionTimestamp = '2026-11-26T10:00:00Z';
  if (extra.annotations) p.metadata.annotations = { ...p.metadata.annotations, ...extra.annotations };
  p.status = {
    phase: 'Running',
    containerStatuses: Object.entries(states).map(([c, st]) => ({
      name: c,
      restartCount: extra.restarts?.[c] ?? 0,
      state: st === 'running'
        ? { running: { startedAt: '2026-11-26T09:00:00Z' } }
        : st.startsWith('waiting:')
          ? { waiting: { reason: st.slice(8) } }
          : { terminated: { exitCode: Number(st.slice(5)), finishedAt: `2026-11-26T09:0${Number(st.slice(5)) % 10}:00Z`, reason: st === 'exit:0' ? 'Completed' : 'Error' } },
    })),
  };
  return p;
}
const decideOn = (p: unknown, c = config()): Plan => decide(podView(p), c);
const targets = (p: Plan): Record<string, string> => Object.fromEntries(p.targets.map((x) => [x.container, formatAction(x.action)]));

const naisjobAnnotated = {
  'hahaha.nais.io/main-container': 'dataloader',
  'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit',
  'shutdown.hahaha.nais.io/secure-logs-fluentd': 'GET :24444/api/processes.killWorkers',
  'shutdown.hahaha.nais.io/secure-logs-configmap-reload': 'exec /bin/killall configmap-reload',
  'shutdown.hahaha.nais.io/vks-sidecar': 'exec /bin/kill -s INT 1',
};
const sidecarsRunning = { 'cloudsql-proxy': 'running', 'secure-logs-fluentd': 'running', 'secure-logs-configmap-reload': 'running', 'vks-sidecar': 'running' } as const;

t.test('main still running: wait', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'running', ...sidecarsRunning }, { annotations: naisjobAnnotated }));
  t.equal(p.kind, 'wait');
  t.equal(p.reason, 'main container dataloader is running');
  t.notOk(p.awaiting);
});

t.test('pending pod: wait', async (t) => {
  t.equal(decideOn(pod('naisjob')).reason, 'main container dataloader is not started yet');
});

t.test('main exited 0: shut down every running sidecar with its annotated action', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, { annotations: naisjobAnnotated }));
  t.equal(p.kind, 'act');
  t.same(targets(p), {
    'cloudsql-proxy': 'POST :9091/quitquitquit',
    'secure-logs-fluentd': 'GET :24444/api/processes.killWorkers',
    'secure-logs-configmap-reload': 'exec /bin/killall configmap-reload',
    'vks-sidecar': 'exec /bin/kill -s INT 1',
  });
  t.ok(p.targets.every((x) => x.note === undefined), 'the annotations, as written');
  t.equal(p.targets[0]?.restartCount, 0);
  t.ok(p.awaiting);
  t.equal(p.mainsFinishedAt, '2026-11-26T09:00:00Z');
});

t.test('main exited non-zero under Never: the pod is done for, sidecars still go', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:3', ...sidecarsRunning }, { annotations: naisjobAnnotated }));
  t.equal(p.kind, 'act');
  t.equal(p.targets.length, 4);
});

t.test('OnFailure and a main that exited non-zero: the kubelet restarts it, sidecars stay up', async (t) => {
  const running = decideOn(withStatus('istio', { report: 'exit:1', 'istio-proxy': 'running' }));
  t.equal(running.kind, 'wait');
  t.equal(running.reason, 'main container report exited 1 and will be restarted (restartPolicy OnFailure)');
  t.notOk(running.awaiting);
  const succeeded = decideOn(withStatus('istio', { report: 'exit:0', 'istio-proxy': 'running' }, { restarts: { report: 1 } }));
  t.equal(succeeded.kind, 'act');
  t.same(targets(succeeded), { 'istio-proxy': 'POST :15020/quitquitquit' });
  t.equal(succeeded.targets[0]?.note, 'no shutdown.hahaha.nais.io/istio-proxy annotation: action from the catalog', 'no annotation: the webhook was down, or ran before the injector');
});

t.test('several main containers: act only when all have finished', async (t) => {
  const p = (extract: State, load: State) => decideOn(withStatus('multi-main', { extract, load, daprd: 'running' }));
  t.equal(p('exit:0', 'running').kind, 'wait');
  t.equal(p('exit:0', 'exit:1').kind, 'wait', 'OnFailure: load will be restarted');
  const both = p('exit:0', 'exit:0');
  t.equal(both.kind, 'act');
  t.same(targets(both), { daprd: 'POST :3501/v1.0/shutdown || exec /bin/kill -s INT 1' });
});

t.test('sidecars already terminated are skipped; all gone is done; non-zero exits are reported', async (t) => {
  const some = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning, 'cloudsql-proxy': 'exit:0', 'vks-sidecar': 'exit:143' }, { annotations: naisjobAnnotated }));
  t.same(Object.keys(targets(some)), ['secure-logs-fluentd', 'secure-logs-configmap-reload']);
  t.same(some.exitedNonZero, [{ container: 'vks-sidecar', detail: 'exited 143 (Error)' }]);
  const all = decideOn(withStatus('naisjob', { dataloader: 'exit:0', 'cloudsql-proxy': 'exit:0', 'secure-logs-fluentd': 'exit:0', 'secure-logs-configmap-reload': 'exit:0', 'vks-sidecar': 'exit:0' }, { annotations: naisjobAnnotated }));
  t.equal(all.kind, 'done');
  t.notOk(all.awaiting);
});

t.test('a sidecar that never started is reported, not hammered', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning, 'vks-sidecar': 'waiting:ImagePullBackOff' }, { annotations: naisjobAnnotated }));
  t.notOk('vks-sidecar' in targets(p));
  t.same(p.unreachable, [{ container: 'vks-sidecar', detail: 'never started: ImagePullBackOff' }]);
  t.ok(p.awaiting);
  const only = decideOn(withStatus('istio', { report: 'exit:0', 'istio-proxy': 'waiting:CrashLoopBackOff' }));
  t.equal(only.kind, 'wait', 'nothing to act on, still stuck');
  t.ok(only.awaiting);
});

t.test('native sidecars and init containers are never touched', async (t) => {
  const p = decideOn(withStatus('istio-native', { report: 'exit:0' }));
  t.equal(p.kind, 'done');
  t.same(p.targets, []);
});

t.test('skip pods being deleted, unmanaged and opted out pods', async (t) => {
  t.equal(decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, { deleting: true })).reason, 'the pod is being deleted');
  t.equal(decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, { annotations: { 'hahaha.nais.io/enabled': 'false' } })).kind, 'ignore');
  const other = withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning });
  (other.metadata as { labels: Record<string, string> }).labels = { app: 'dataloader' };
  t.equal(decideOn(other).kind, 'ignore');
});

t.test('running sidecars without a usable action are reported', async (t) => {
  const p = decideOn(withStatus('sidecars-with-trouble', { trouble: 'exit:0', sql: 'running', vault: 'running', 'linkerd-proxy': 'running', 'metrics-exporter': 'running' }));
  t.same(p.noAction, [{ container: 'metrics-exporter', detail: 'no shutdown.hahaha.nais.io/metrics-exporter annotation and no catalog entry' }]);
  t.same(Object.keys(targets(p)), ['sql', 'vault', 'linkerd-proxy']);
});

t.test('a broken annotation that got past a down validating webhook falls back to the catalog', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, {
    annotations: { ...naisjobAnnotated, 'shutdown.hahaha.nais.io/vks-sidecar': 'kill it', 'shutdown.hahaha.nais.io/cloudsql-proxy': 'exec /bin/sh -c "curl x"' },
  }));
  t.equal(targets(p)['vks-sidecar'], 'exec /bin/kill -s INT 1');
  t.match(p.targets.find((x) => x.container === 'vks-sidecar')?.note, /^shutdown\.hahaha\.nais\.io\/vks-sidecar: expected .*; action from the catalog$/);
  t.same(p.noAction.map((r) => [r.container, r.detail]), [['cloudsql-proxy', 'every step is an exec the exec policy does not allow']], 'exec outside the policy is never run');
  t.equal(p.problems.length, 2);
});

t.test('refused exec steps are left out of a mixed action', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, {
    annotations: { ...naisjobAnnotated, 'shutdown.hahaha.nais.io/vks-sidecar': 'exec /bin/reboot || POST :8080/quit' },
  }));
  t.equal(targets(p)['vks-sidecar'], 'POST :8080/quit');
  t.equal(p.targets.find((x) => x.container === 'vks-sidecar')?.note, '1 exec step(s) not allowed by the exec policy were left out');
});

t.test('a sidecar annotated none is left to exit by itself', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, {
    annotations: { ...naisjobAnnotated, 'shutdown.hahaha.nais.io/vks-sidecar': 'none' },
  }));
  t.notOk('vks-sidecar' in targets(p));
  t.same(p.noAction, []);
});

t.test('a target carries its running instance\'s restart count (the budget is per container, in the record)', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, { annotations: naisjobAnnotated, restarts: { 'vks-sidecar': 2 } }));
  t.equal(p.targets.find((x) => x.container === 'vks-sidecar')?.restartCount, 2);
});

t.test('a record that is not hahaha\'s leaves the pod alone, and says why', async (t) => {
  const p = decideOn(withStatus('naisjob', { dataloader: 'exit:0', ...sidecarsRunning }, { annotations: { ...naisjobAnnotated, 'state.hahaha.nais.io/v1': '{"sidecars":{"x":{"round":"zero"}}}' } }));
  t.equal(p.kind, 'ignore');
  t.match(p.reason, /state.hahaha.nais.io\/v1 annotation is not a record hahaha wrote: sidecars\["x"\] needs round/);
});

t.test('M3: a managed pod with pod-level problems is still planned from the catalog, awaiting, with the problem reported', async (t) => {
  const states = { dataloader: 'exit:0', 'cloudsql-proxy': 'running', 'secure-logs-fluentd': 'running', 'secure-logs-configmap-reload': 'running', 'vks-sidecar': 'running' } as const;
  const yes = decideOn(withStatus('naisjob', states, { annotations: { 'hahaha.nais.io/enabled': 'yes' } }));
  t.equal(yes.kind, 'act');
  t.ok(yes.awaiting);
  t.match(yes.problems, [/hahaha\.nais\.io\/enabled: expected "true" or "false", got "yes"/]);
  t.same(targets(yes)['vks-sidecar'], 'exec /bin/kill -s INT 1', 'the catalog action');
  const badMain = decideOn(withStatus('naisjob', states, { annotations: { 'hahaha.nais.io/main-container': 'dataloader,,x' } }));
  t.equal(badMain.kind, 'act', 'a broken main-container annotation falls back to the default main container');
  t.match(badMain.problems, [/hahaha\.nais\.io\/main-container: expected comma-separated container names/]);
  t.ok('cloudsql-proxy' in targets(badMain));
});
