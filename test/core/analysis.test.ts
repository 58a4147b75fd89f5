// Pod analysis over realistic pods: which containers are main, each sidecar's action and its
// source, the annotations the webhook adds, warnings, and the problems that make a pod denied.

import t from 'tap';
import { formatAction } from '../../src/core/action.ts';
import { type Analysis, analyze, denialMessage } from '../../src/core/analysis.ts';
import { podView } from '../../src/core/pod.ts';
import { NAISJOB_ANNOTATIONS, config, pod } from '../helpers.ts';

const analyse = (p: unknown, c = config()): Analysis => analyze(podView(p), c);
const actions = (a: Analysis): Record<string, string> =>
  Object.fromEntries(a.sidecars.map((s) => [s.name, `${s.action ? formatAction(s.action) : '-'} (${s.source})`]));

t.test('a Naisjob pod gets exactly the catalog actions of docs/design.md', async (t) => {
  const a = analyse(pod('naisjob'));
  t.ok(a.managed);
  t.same(a.mains, ['dataloader']);
  t.equal(a.mainSource, 'app-label');
  t.same(actions(a), {
    'cloudsql-proxy': 'POST :9091/quitquitquit (catalog)',
    'secure-logs-fluentd': 'GET :24444/api/processes.killWorkers (catalog)',
    'secure-logs-configmap-reload': 'exec /bin/killall configmap-reload (catalog)',
    'vks-sidecar': 'exec /bin/kill -s INT 1 (catalog)',
  });
  t.same(a.additions, NAISJOB_ANNOTATIONS);
  t.same(a.warnings, []);
  t.same(a.problems, []);
});

t.test('after linkerd injected its proxy, only the proxy is new', async (t) => {
  const a = analyse(pod('naisjob-linkerd'));
  t.same(a.additions, { 'shutdown.hahaha.nais.io/linkerd-proxy': 'POST :4191/shutdown' });
  t.same(actions(a), {
    'cloudsql-proxy': 'POST :9091/quitquitquit (annotation)',
    'linkerd-proxy': 'POST :4191/shutdown (catalog)',
  });
  t.equal(a.mainSource, 'annotation');
  t.same(a.nativeSidecars, [], 'linkerd-init is a plain init container, not a sidecar of any kind');
  t.same(a.warnings, []);
});

t.test('istio-proxy as a regular container is shut down through pilot-agent', async (t) => {
  const a = analyse(pod('istio'));
  t.same(actions(a), { 'istio-proxy': 'POST :15020/quitquitquit (catalog)' });
  t.same(a.mains, ['report']);
});

t.test('native sidecars are never sidecars here', async (t) => {
  const a = analyse(pod('istio-native'));
  t.same(a.sidecars, []);
  t.same(a.nativeSidecars, ['istio-proxy']);
  t.same(Object.keys(a.additions), ['hahaha.nais.io/main-container', 'config.linkerd.io/proxy-admin-shutdown']);
});

t.test('vault-agent: matched by image, its port follows the cache listener annotation', async (t) => {
  const a = analyse(pod('vault'));
  t.same(a.mains, ['main'], 'no app label: the first container');
  t.equal(a.mainSource, 'first-container');
  t.same(actions(a), { 'vault-agent': 'POST :8100/agent/v1/quit (catalog)' });
  t.same(a.warnings, []);
});

t.test('prerequisites that are not met are warned about, unknown sidecars too', async (t) => {
  const a = analyse(pod('sidecars-with-trouble'));
  t.same(actions(a), {
    sql: 'POST :9092/quitquitquit (catalog)',
    vault: 'POST :8200/agent/v1/quit (catalog)',
    'linkerd-proxy': 'POST :4191/shutdown (catalog)',
    'metrics-exporter': '- (none)',
  });
  t.same(a.warnings, [
    'sql: its shutdown endpoint needs the flag --quitquitquit (or env CSQL_PROXY_QUITQUITQUIT), which the container does not set',
    'vault: its shutdown endpoint needs vault.hashicorp.com/agent-enable-quit: "true", which the pod does not have',
    'linkerd-proxy: its shutdown endpoint needs config.linkerd.io/proxy-admin-shutdown: "enabled", the pod has "disabled"',
    'unknown sidecar "metrics-exporter": no shutdown action in the catalog; set shutdown.hahaha.nais.io/metrics-exporter',
  ]);
  t.notOk('config.linkerd.io/proxy-admin-shutdown' in a.additions, 'a value the user wrote is never changed');
  t.notOk('shutdown.hahaha.nais.io/metrics-exporter' in a.additions);
});

t.test('several main containers named by the user; a user action wins over the catalog', async (t) => {
  const a = analyse(pod('multi-main'));
  t.same(a.mains, ['extract', 'load']);
  t.same(actions(a), { daprd: 'POST :3501/v1.0/shutdown || exec /bin/kill -s INT 1 (annotation)' });
  t.same(a.additions, { 'config.linkerd.io/proxy-admin-shutdown': 'enabled' });
  t.same(a.problems, []);
});

t.test('main container resolution: annotation, app label, default-container, first', async (t) => {
  const base = (labels: Record<string, string>, annotations: Record<string, string>): unknown => ({
    metadata: { labels: { 'nais.io/naisjob': 'true', ...labels }, annotations },
    spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
  });
  t.same(analyse(base({ app: 'b' }, { 'kubectl.kubernetes.io/default-container': 'c' })).mains, ['b']);
  t.same(analyse(base({ app: 'zzz' }, { 'kubectl.kubernetes.io/default-container': 'c' })).mains, ['c'], 'app label naming no container is passed over');
  t.same(analyse(base({}, { 'kubectl.kubernetes.io/default-container': 'nope' })).mains, ['a']);
  t.same(analyse(base({ app: 'b' }, { 'hahaha.nais.io/main-container': 'c,a' })).mains, ['c', 'a']);
});

t.test('every kind of bad annotation is a problem naming its key', async (t) => {
  const a = analyse(pod('bad-annotations'));
  t.same(a.problems.map((p) => `${p.key}: ${p.detail}`), [
    'shutdown.hahaha.nais.io/bad: "bad" is a main container, not a sidecar (main: bad)',
    'shutdown.hahaha.nais.io/ghost: "ghost" is not a container in this pod (containers: bad, metrics-exporter, log-shipper)',
    'shutdown.hahaha.nais.io/log-shipper: "exec /bin/sh -c \'rm -rf /\'" is not allowed by the exec policy (allowed: the catalog\'s exec steps and --allow-exec patterns)',
    'shutdown.hahaha.nais.io/metrics-exporter: expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "kill it please"',
    'shutdown.hahaha.nais.io/setup: "setup" is an init container that runs to completion: only regular containers and native sidecars (restartPolicy: Always) have shutdown actions',
  ]);
  t.match(a.warnings, [/^hahaha\.nais\.io\/main-containers: unknown hahaha annotation/]);
  t.match(denialMessage(a.problems), /^shutdown\.hahaha\.nais\.io\/bad: .*; shutdown\.hahaha\.nais\.io\/ghost: /, 'sorted by key, joined by "; "');
});

t.test('the main-container annotation must name regular containers', async (t) => {
  const p = (main: string): unknown => ({
    metadata: { labels: { 'nais.io/naisjob': 'true' }, annotations: { 'hahaha.nais.io/main-container': main } },
    spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'a' }, { name: 'b' }] },
  });
  const detail = (main: string): string[] => analyse(p(main)).problems.map((x) => `${x.key}: ${x.detail}`);
  t.same(detail('x'), ['hahaha.nais.io/main-container: "x" is not a container in this pod (containers: a, b)']);
  t.same(detail('init'), ['hahaha.nais.io/main-container: "init" is an init container; main containers are regular containers (containers: a, b)']);
  t.same(detail('a,'), ['hahaha.nais.io/main-container: expected comma-separated container names, got "a," (name 2 is empty)']);
  t.same(analyse(p('x')).additions, {}, 'nothing is added to a pod whose main container is unknown');
});

t.test('opt-out, selector, and the enabled annotation', async (t) => {
  const p = (labels: Record<string, string>, enabled?: string): unknown => ({
    metadata: { labels, annotations: enabled === undefined ? {} : { 'hahaha.nais.io/enabled': enabled } },
    spec: { containers: [{ name: 'a' }, { name: 'linkerd-proxy' }] },
  });
  const optedOut = analyse(p({ 'nais.io/naisjob': 'true' }, 'false'));
  t.notOk(optedOut.managed);
  t.equal(optedOut.reason, 'opted out with hahaha.nais.io/enabled: "false"');
  t.same(optedOut.additions, {});
  const other = analyse(p({ app: 'x' }));
  t.notOk(other.managed);
  t.equal(other.reason, 'labels do not match the selector nais.io/naisjob=true');
  t.ok(analyse(p({ 'nais.io/naisjob': 'true' }, 'true')).managed);
  t.same(analyse(p({ 'nais.io/naisjob': 'true' }, 'yes')).problems, [{ key: 'hahaha.nais.io/enabled', detail: 'expected "true" or "false", got "yes"' }]);
  t.same(analyse(p({ team: 'a' }), config({ selector: 'team in (a,b)' })).mains, ['a']);
});

t.test('exec steps outside the default policy are allowed with --allow-exec', async (t) => {
  const p = {
    metadata: { labels: { 'nais.io/naisjob': 'true' }, annotations: { 'shutdown.hahaha.nais.io/side': 'exec /bin/kill -s TERM 1' } },
    spec: { containers: [{ name: 'a' }, { name: 'side' }] },
  };
  t.equal(analyse(p).problems.length, 1);
  t.same(analyse(p, config({ allowExec: ['/bin/kill -s TERM 1'] })).problems, []);
  t.same(analyse(p, config({ allowExec: ['exec /bin/kill -s * 1'] })).problems, [], '"*" matches one argument');
});

t.test('malformed pods are reported, never thrown on', async (t) => {
  for (const bad of [null, 42, 'pod', [], { metadata: 'x' }, { metadata: { labels: { 'nais.io/naisjob': 'true' } } },
    { metadata: { labels: { 'nais.io/naisjob': 'true' }, annotations: { a: 1 } }, spec: { containers: 'x' } },
    { metadata: { labels: { 'nais.io/naisjob': 'true' } }, spec: { containers: [{ image: 'x' }, null] } }]) {
    const a = analyse(bad);
    t.same(a.additions, {}, `no additions for ${JSON.stringify(bad)}`);
  }
  const noContainers = analyse({ metadata: { labels: { 'nais.io/naisjob': 'true' } }, spec: {} });
  t.same(noContainers.problems, [{ key: 'pod', detail: 'the pod has no containers' }]);
});
