// The catalog: matching by name and by image (registry and tag ignored), prerequisites and
// port sources, and loading a catalog file with precise errors.

import t from 'tap';
import { formatAction } from '../../src/core/action.ts';
import { BUILTIN_CATALOG, catalogAction, flagValue, imageRepository, loadCatalog, matchCatalog } from '../../src/core/catalog.ts';
import type { ContainerView } from '../../src/core/pod.ts';

const c = (name: string, image = '', more: Partial<ContainerView> = {}): ContainerView => ({ name, image, command: [], args: [], env: [], ...more });
const actionOf = (name: string, image = ''): string | undefined => {
  const e = matchCatalog(BUILTIN_CATALOG, c(name, image));
  return e && formatAction(e.action);
};

t.test('the built-in catalog is docs/design.md\'s catalog', async (t) => {
  t.same(
    BUILTIN_CATALOG.map((e) => [e.names.join(','), e.images.join(','), formatAction(e.action)]),
    [
      ['linkerd-proxy', '*/linkerd/proxy', 'POST :4191/shutdown'],
      ['istio-proxy', '*/proxyv2', 'POST :15020/quitquitquit'],
      ['cloudsql-proxy,cloud-sql-proxy', '*/cloud-sql-proxy', 'POST :9091/quitquitquit'],
      ['vault-agent', '*/vault', 'POST :8200/agent/v1/quit'],
      ['daprd', '*/daprd', 'POST :3500/v1.0/shutdown'],
      ['secure-logs-fluentd', '', 'GET :24444/api/processes.killWorkers'],
      ['secure-logs-configmap-reload', '', 'exec /bin/killall configmap-reload'],
      ['vks-sidecar', '', 'exec /bin/kill -s INT 1'],
    ],
  );
});

t.test('matching by name, then by image with any registry and tag', async (t) => {
  t.equal(actionOf('linkerd-proxy'), 'POST :4191/shutdown');
  t.equal(actionOf('proxy', 'cr.l5d.io/linkerd/proxy:stable-2.14.10'), 'POST :4191/shutdown');
  t.equal(actionOf('proxy', 'ghcr.io/linkerd/proxy@sha256:0123abcd'), 'POST :4191/shutdown');
  t.equal(actionOf('proxy', 'localhost:5000/linkerd/proxy:edge'), 'POST :4191/shutdown', 'a registry with a port');
  t.equal(actionOf('sidecar', 'docker.io/istio/proxyv2:1.24.2'), 'POST :15020/quitquitquit');
  t.equal(actionOf('sidecar', 'istio/proxyv2'), 'POST :15020/quitquitquit', 'Docker Hub short names');
  t.equal(actionOf('agent', 'vault:1.18'), 'POST :8200/agent/v1/quit', 'official images: docker.io/library/vault');
  t.equal(actionOf('db', 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1'), 'POST :9091/quitquitquit');
  t.equal(actionOf('cloud-sql-proxy'), 'POST :9091/quitquitquit');
  t.equal(actionOf('x', 'ghcr.io/me/not-linkerd-proxy:1'), undefined, 'a suffix of a path segment is no match');
  t.equal(actionOf('x', 'ghcr.io/linkerd/proxy-init:v2'), undefined);
  t.equal(actionOf('secure-logs-fluentd', 'anything'), 'GET :24444/api/processes.killWorkers');
  t.equal(actionOf('linkerd-proxy', 'docker.io/istio/proxyv2'), 'POST :4191/shutdown', 'the name wins over the image');
});

t.test('image references are normalised as Docker does', async (t) => {
  t.equal(imageRepository('busybox'), 'docker.io/library/busybox');
  t.equal(imageRepository('busybox:1.36'), 'docker.io/library/busybox');
  t.equal(imageRepository('istio/proxyv2:1.2'), 'docker.io/istio/proxyv2');
  t.equal(imageRepository('localhost:5000/a/b:c'), 'localhost:5000/a/b');
  t.equal(imageRepository('gcr.io/a/b@sha256:ff'), 'gcr.io/a/b');
});

t.test('flags are read in every form a CLI accepts, and from env', async (t) => {
  const x = c('p', '', { command: ['/cloud-sql-proxy'], args: ['--admin-port=9001', '--quitquitquit', '-port', '5432'] });
  t.equal(flagValue(x, '--admin-port'), '9001');
  t.equal(flagValue(x, '--quitquitquit'), 'true');
  t.equal(flagValue(x, '--port'), '5432', 'single-dash form with a separate value');
  t.equal(flagValue(c('p', '', { args: ['--admin-port', '9002'] }), '--admin-port'), '9002');
  t.equal(flagValue(c('p', '', { env: [{ name: 'CSQL_PROXY_ADMIN_PORT', value: '9003' }] }), '--admin-port', 'CSQL_PROXY_ADMIN_PORT'), '9003');
  t.equal(flagValue(c('p'), '--admin-port', 'CSQL_PROXY_ADMIN_PORT'), undefined);
});

t.test('a port source that is not a port is warned about and the default kept', async (t) => {
  const entry = matchCatalog(BUILTIN_CATALOG, c('vault-agent'));
  t.ok(entry);
  const r = catalogAction(entry!, c('vault-agent'), { 'vault.hashicorp.com/agent-cache-listener-port': 'eighty' });
  t.equal(formatAction(r.action), 'POST :8200/agent/v1/quit');
  t.same(r.warnings, ['vault-agent: annotation vault.hashicorp.com/agent-cache-listener-port is "eighty", not a port; using the default']);
});

t.test('a catalog file extends the built-in catalog, its entries first', async (t) => {
  const r = loadCatalog(
    `
sidecars:
  - name: my-proxy
    image: "*/me/proxy"
    action: POST :8080/quit
    requires:
      - flag: --enable-quit
    port: { flag: --admin-port, env: ADMIN_PORT }
  - names: [linkerd-proxy]
    action: exec /linkerd-await --shutdown
`,
    'catalog.yaml',
  );
  if (!r.ok) throw new Error(r.error);
  t.equal(r.value.length, BUILTIN_CATALOG.length + 2);
  t.equal(formatAction(matchCatalog(r.value, c('x', 'ghcr.io/me/proxy:1'))!.action), 'POST :8080/quit');
  t.equal(formatAction(matchCatalog(r.value, c('linkerd-proxy'))!.action), 'exec /linkerd-await --shutdown', 'a file entry overrides a built-in one');
  t.equal(formatAction(matchCatalog(r.value, c('istio-proxy'))!.action), 'POST :15020/quitquitquit');
});

t.test('replace: true drops the built-in entries; JSON works too', async (t) => {
  const r = loadCatalog('{"replace": true, "sidecars": [{"name": "x", "action": "none"}]}', 'c.json');
  if (!r.ok) throw new Error(r.error);
  t.equal(r.value.length, 1);
  t.equal(matchCatalog(r.value, c('linkerd-proxy')), undefined);
});

t.test('valid annotation keys load', async (t) => {
  const r = loadCatalog('sidecars: [{name: a, action: none, podAnnotations: {"config.linkerd.io/proxy-admin-shutdown": enabled, plain_key.v1: "1"}}]', 'c.yaml');
  t.ok(r.ok, r.ok ? '' : r.error);
});

t.test('a bad catalog file gets an error that says where', async (t) => {
  const cases: [string, string][] = [
    ['sidecars: [', 'c.yaml: not valid YAML or JSON: '],
    ['- a', 'c.yaml: expected a map with "sidecars" (and optionally "replace")'],
    ['sidecar: []', 'c.yaml: top level: unknown field "sidecar" (known: replace, sidecars)'],
    ['replace: yes please\nsidecars: []', 'c.yaml: replace: expected true or false'],
    ['sidecars: {}', 'c.yaml: sidecars: expected a list of entries'],
    ['sidecars: [{action: none}]', 'c.yaml: sidecars[0]: needs "name(s)" or "image(s)" to match containers by'],
    ['sidecars: [{name: a}]', 'c.yaml: sidecars[0].action: expected the action text, e.g. "POST :8080/quit"'],
    ['sidecars: [{name: a, action: none}, {name: b, action: "kill it"}]', 'c.yaml: sidecars[1].action: expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "kill it"'],
    ['sidecars: [{name: a, action: none, acton: x}]', 'c.yaml: sidecars[0]: unknown field "acton" (known: name, names, image, images, action, podAnnotations, requires, port, native, source)'],
    ['sidecars: [{name: [1], action: none}]', 'c.yaml: sidecars[0].name: expected a string or a list of strings'],
    ['sidecars: [{name: a, action: none, requires: [{annotation: x}]}]', 'c.yaml: sidecars[0].requires[0].value: expected the annotation\'s required value (a string)'],
    ['sidecars: [{name: a, action: none, port: {flag: x}}]', 'c.yaml: sidecars[0].port: expected {annotation: <key>} or {flag: --<name>, env: <NAME>}'],
    ['sidecars: [{name: a, action: none, podAnnotations: {a: 1}}]', 'c.yaml: sidecars[0].podAnnotations.a: expected a string'],
    // Keys as the apiserver checks them: one bad key would make it reject every managed pod.
    ['sidecars: [{name: a, action: none, podAnnotations: {"has space": "x"}}]', 'c.yaml: sidecars[0].podAnnotations: "has space" is not a valid annotation key: the name "has space" must be letters, digits'],
    ['sidecars: [{name: a, action: none, podAnnotations: {"Example.COM/x": "y"}}]', 'c.yaml: sidecars[0].podAnnotations: "Example.COM/x" is not a valid annotation key: the prefix "Example.COM" is not a DNS subdomain'],
    ['sidecars: [{name: a, action: none, podAnnotations: {"a/b/c": "y"}}]', 'c.yaml: sidecars[0].podAnnotations: "a/b/c" is not a valid annotation key: the name "b/c" must be'],
    [`sidecars: [{name: a, action: none, podAnnotations: {"x.io/${'n'.repeat(64)}": "y"}}]`, 'c.yaml: sidecars[0].podAnnotations: "x.io/nnnn'],
    ['sidecars: [{name: a, action: none, podAnnotations: {"/x": "y"}}]', 'c.yaml: sidecars[0].podAnnotations: "/x" is not a valid annotation key: the prefix before "/" is empty'],
  ];
  for (const [text, message] of cases) {
    const r = loadCatalog(text, 'c.yaml');
    t.notOk(r.ok, text);
    if (!r.ok) t.ok(r.error.startsWith(message), `${r.error} starts with ${message}`);
  }
});
