// The chart, rendered with `helm template` over a matrix of values: a snapshot of every render
// (so that any change to the manifests shows in review), and the properties the chart promises,
// checked against their sources rather than against the chart itself: the RBAC of
// deploy/rbac.yaml, hahaha's own flag parser and defaults, its metric names, its duration syntax.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { COMMANDS } from '../../src/cli/commands.ts';
import { parseDuration, parseFlags } from '../../src/cli/flags.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { FAKE_CA_BUNDLE, NAMESPACE, RELEASE, REPO, type K8sObject, find, parseManifests, render, templateRun, templateText } from './helm.ts';

const FULLNAME = RELEASE; // the release name contains the chart name, so it is the full name
const SECRET = `${FULLNAME}-tls`;
const HOSTS = [`${FULLNAME}.${NAMESPACE}.svc`, `${FULLNAME}.${NAMESPACE}.svc.cluster.local`];
const existingSecret = { mode: 'existingSecret', existingSecret: { name: 'my-tls', caBundle: FAKE_CA_BUNDLE } };

/** The matrix: every certificate mode, dry-run, selectors, namespaces, catalog, monitoring, webhook.url, native sidecar modes and RBAC. */
const MATRIX: Record<string, object> = {
  'default (selfManaged)': {},
  certManager: { certificates: { mode: 'certManager' } },
  'certManager with a ClusterIssuer': { certificates: { mode: 'certManager', certManager: { issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } } } },
  existingSecret: { certificates: existingSecret },
  dryRun: { dryRun: true, logLevel: 'debug' },
  'custom selector and namespaces': {
    selector: 'team in (a,b),!skip,app.kubernetes.io/part-of!=legacy',
    namespaces: ['team-a', 'team-b'],
    webhook: { excludeNamespaces: ['monitoring'], timeoutSeconds: 3, validatingFailurePolicy: 'Fail' },
  },
  'catalog and exec allowlist': {
    catalog: { replace: false, sidecars: [{ name: 'metrics-exporter', image: '*/team/exporter', action: 'POST :9102/quitquitquit' }] },
    allowExec: ['/bin/kill -s * 1', '/usr/bin/pkill envoy'],
    shutdownGrace: '45s',
    maxAttempts: 3,
  },
  'monitoring on': {
    monitoring: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } }, prometheusRule: { enabled: true, awaitingShutdownSeconds: 300 }, grafanaDashboard: { enabled: true } },
  },
  'webhook.url (test-only)': { webhook: { url: 'https://127.0.0.1:18443' }, certificates: existingSecret },
  'one replica, pinned image, scheduling': {
    replicaCount: 1,
    image: { digest: `sha256:${'a'.repeat(64)}` },
    priorityClassName: 'system-cluster-critical',
    topologySpread: { zone: true, whenUnsatisfiable: 'DoNotSchedule' },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
    podAnnotations: { 'example.com/a': 'b' },
    podLabels: { team: 'platform' },
    imagePullSecrets: [{ name: 'regcred' }],
    extraArgs: ['--concurrency', '40'],
  },
  'nativeSidecars on, no shutdown actions': { nativeSidecars: { mode: 'on', minVersion: '1.29' }, rbac: { shutdownActions: false } },
  'nativeSidecars off': { nativeSidecars: { mode: 'off' } },
};

const renders = new Map<string, K8sObject[]>();
t.before(async () => {
  await Promise.all(Object.entries(MATRIX).map(async ([name, values]) => renders.set(name, await render(values))));
});
const rendered = (name: string): K8sObject[] => renders.get(name)!;

/**
 * The render without what differs between Helm 3 and Helm 4 (blank lines between documents, the
 * order of kinds Helm does not know), so that one snapshot serves both: documents sorted by kind
 * and name.
 */
function normalized(text: string): string {
  const docs = text.split(/^---$/m).map((d) => d.trim()).filter(Boolean);
  const sortKey = (d: string): string => {
    const o = parseManifests(d)[0];
    return o ? `${o.kind}/${o.metadata.name}` : d;
  };
  return docs.map((d) => [sortKey(d), d] as const).sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => `---\n${d}\n`).join('');
}

t.test('snapshots of every render in the matrix', async (t) => {
  for (const [name, values] of Object.entries(MATRIX)) {
    t.matchSnapshot(normalized(await templateText(values)), name);
  }
});

// ---- helpers over the rendered objects ----

interface Container {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  securityContext: Record<string, unknown>;
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: Record<string, unknown>;
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Probe { httpGet: { path: string; port: string; scheme: string } }
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string }; emptyDir?: object }[];
  terminationGracePeriodSeconds: number;
  priorityClassName?: string;
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; labelSelector: { matchLabels: Record<string, string> } }[];
  affinity?: { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: { topologyKey: string } }[] } };
}
const deployment = (objs: K8sObject[]) => find(objs, 'Deployment') as K8sObject & {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } };
};
const podSpec = (objs: K8sObject[]): PodSpec => deployment(objs).spec.template.spec;
const container = (objs: K8sObject[]): Container => podSpec(objs).containers[0]!;
const args = (objs: K8sObject[]): string[] => container(objs).args;

interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  failurePolicy: string;
  reinvocationPolicy?: string;
  timeoutSeconds: number;
  clientConfig: { service?: { name: string; namespace: string; path: string; port: number }; url?: string; caBundle?: string };
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }[];
  objectSelector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
  namespaceSelector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
}
const webhooks = (objs: K8sObject[], kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration'): Webhook[] =>
  (find(objs, kind) as K8sObject & { webhooks: Webhook[] }).webhooks;

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
const rules = (o: K8sObject): Rule[] => (o as K8sObject & { rules: Rule[] }).rules;

/** hahaha's own parse of the rendered args. Flags that hahaha serve does not know yet are taken out first. */
function parsedArgs(a: string[], unknown: string[] = NOT_YET_KNOWN): Record<string, unknown> {
  const rest: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (unknown.includes(a[i]!)) i++;
    else rest.push(a[i]!);
  }
  if (rest[0] !== 'serve') throw new Error(`the args start with ${rest[0]}, not serve`);
  return parseFlags(COMMANDS.serve!.flags, rest.slice(1), {}).values;
}
/** The values of a flag in an argument list (every occurrence). */
const flag = (a: string[], name: string): string[] => a.flatMap((x, i) => (x === name ? [a[i + 1]!] : []));

const SELF_MANAGED_FLAGS = ['--certificates', '--cert-secret', '--webhook-config-name', '--cert-host', '--cert-lifetime', '--renew-before'];
const NATIVE_FLAGS = ['--native-sidecars', '--native-min-version'];
const serveKnows = (f: string): boolean => Object.hasOwn(COMMANDS.serve!.flags, f.slice(2));
/** Flags the chart passes that hahaha serve does not know yet (checked literally, not parsed). */
const NOT_YET_KNOWN = [...SELF_MANAGED_FLAGS, ...NATIVE_FLAGS].filter((f) => !serveKnows(f));

// ---- the Deployment ----

t.test('the pods run under the restricted pod security profile', async (t) => {
  for (const [name, objs] of renders) {
    const pod = podSpec(objs);
    t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } }, `${name}: pod`);
    t.equal(typeof pod.securityContext.runAsUser, 'number', 'runAsUser is numeric (runAsNonRoot needs no passwd lookup)');
    for (const c of pod.containers) {
      t.match(c.securityContext, {
        runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false,
        capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      }, `${name}: container ${c.name}`);
      t.notOk((c.securityContext.capabilities as { add?: unknown }).add, 'no capability added');
      t.same(c.volumeMounts.find((m) => m.mountPath === '/tmp')?.name, 'tmp', '/tmp is writable (emptyDir) on the read-only root');
    }
    t.ok(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir);
    t.equal(pod.serviceAccountName, FULLNAME);
  }
});

t.test('probes: startup and readiness on https /readyz, liveness on https /healthz, port https is 8443', async (t) => {
  const c = container(rendered('default (selfManaged)'));
  t.same(c.startupProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
  t.same(c.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
  t.same(c.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
  const ports = Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]));
  t.same(ports, { https: 8443, metrics: 9090 });
  const parsed = parsedArgs(c.args);
  t.equal(parsed.port, ports.https, 'hahaha listens where the probes and the Service point');
  t.equal(parsed['metrics-port'], ports.metrics);
  t.same(c.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '384Mi' } });
});

t.test('graceful termination outlasts the drain bound; POD_NAME and POD_NAMESPACE come from the downward API', async (t) => {
  for (const [name, objs] of renders) {
    const pod = podSpec(objs);
    const c = container(objs);
    const drain = parseDuration(flag(c.args, '--drain-timeout')[0] ?? String(COMMANDS.serve!.flags['drain-timeout']!.default))!;
    t.ok(pod.terminationGracePeriodSeconds * 1000 >= drain + 10_000, `${name}: ${pod.terminationGracePeriodSeconds}s > drain ${drain / 1000}s + 10s`);
    t.same(c.env.filter((e) => e.name.startsWith('POD_')), [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
  }
  t.equal(podSpec(rendered('default (selfManaged)')).terminationGracePeriodSeconds, 40);
  t.equal(COMMANDS.serve!.flags['drain-timeout']!.default, '20s', "serve's drain bound is still 20s (the chart's default 40s grace is twice that)");
});

t.test('two replicas spread over nodes with a soft anti-affinity and a PodDisruptionBudget; one replica has no PDB', async (t) => {
  const objs = rendered('default (selfManaged)');
  const d = deployment(objs);
  t.equal(d.spec.replicas, 2);
  const pdb = find(objs, 'PodDisruptionBudget') as K8sObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
  t.equal(pdb.spec.minAvailable, 1);
  t.match(d.spec.template.metadata.labels, pdb.spec.selector.matchLabels, 'the PDB selects the pods');
  t.same(d.spec.selector.matchLabels, pdb.spec.selector.matchLabels);
  const pod = d.spec.template.spec;
  t.same(pod.topologySpreadConstraints?.map((c) => [c.topologyKey, c.whenUnsatisfiable]), [['kubernetes.io/hostname', 'ScheduleAnyway']]);
  t.match(d.spec.template.metadata.labels, pod.topologySpreadConstraints![0]!.labelSelector.matchLabels);
  t.equal(pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
  t.notOk(pod.priorityClassName);

  const one = rendered('one replica, pinned image, scheduling');
  t.equal(deployment(one).spec.replicas, 1);
  t.equal(one.filter((o) => o.kind === 'PodDisruptionBudget').length, 0, 'no PDB that would block every drain');
  const spec = podSpec(one);
  t.equal(spec.priorityClassName, 'system-cluster-critical');
  t.same(spec.topologySpreadConstraints?.map((c) => [c.topologyKey, c.whenUnsatisfiable]), [['kubernetes.io/hostname', 'DoNotSchedule'], ['topology.kubernetes.io/zone', 'DoNotSchedule']]);
  t.equal((container(one) as unknown as { image: string }).image, `ghcr.io/nais/hahaha@sha256:${'a'.repeat(64)}`);
  t.equal((container(rendered('default (selfManaged)')) as unknown as { image: string }).image, 'ghcr.io/nais/hahaha:0.1.0', 'the tag defaults to appVersion');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const chart = parseAllDocuments(readFileSync(join(REPO, 'charts', 'hahaha', 'Chart.yaml'), 'utf8'))[0]!.toJS() as { appVersion: string };
  t.equal(chart.appVersion, pkg.version, "the chart's appVersion is hahaha's version");
});

// ---- the arguments of hahaha serve ----

t.test('the args of hahaha serve are what the values say, as hahaha itself parses them', async (t) => {
  const unknown = NOT_YET_KNOWN;
  if (unknown.length > 0) t.comment(`hahaha serve does not know ${unknown.join(' ')} yet: checked literally, not parsed`);

  const def = parsedArgs(args(rendered('default (selfManaged)')), unknown);
  t.equal(def.selector, 'nais.io/naisjob=true');
  t.equal(def.selector, COMMANDS.serve!.flags.selector!.default, "the chart's default selector is hahaha's");
  t.equal(def['shutdown-grace'], 30_000);
  t.equal(def['max-attempts'], 6);
  t.equal(def['drain-timeout'], 20_000);
  t.equal(def['log-level'], 'info');
  t.equal(def['lease-name'], FULLNAME, 'a Lease per release');
  t.equal(def['dry-run'], undefined);
  t.equal(def.namespaces, undefined);
  t.equal(def.catalog, undefined);
  t.same(def['allow-exec'], []);
  t.equal(def['no-controller'], undefined, 'the controller runs');
  t.equal(def.kubeconfig, undefined, 'in-cluster credentials');

  const dry = parsedArgs(args(rendered('dryRun')), unknown);
  t.equal(dry['dry-run'], true);
  t.equal(dry['log-level'], 'debug');

  const sel = parsedArgs(args(rendered('custom selector and namespaces')), unknown);
  t.equal(sel.selector, 'team in (a,b),!skip,app.kubernetes.io/part-of!=legacy');
  t.equal(sel.namespaces, 'team-a,team-b');

  const cat = parsedArgs(args(rendered('catalog and exec allowlist')), unknown);
  t.equal(cat.catalog, '/config/catalog.yaml');
  t.same(cat['allow-exec'], ['/bin/kill -s * 1', '/usr/bin/pkill envoy']);
  t.equal(cat['shutdown-grace'], 45_000);
  t.equal(cat['max-attempts'], 3);

  const extra = parsedArgs(args(rendered('one replica, pinned image, scheduling')), unknown);
  t.equal(extra.concurrency, 40, 'extraArgs reach hahaha');
});

t.test('native sidecar args: --native-sidecars and --native-min-version carry nativeSidecars.mode and minVersion', async (t) => {
  const cases: [string, string, string][] = [
    ['default (selfManaged)', 'auto', '1.33'],
    ['nativeSidecars on, no shutdown actions', 'on', '1.29'],
    ['nativeSidecars off', 'off', '1.33'],
  ];
  for (const [name, mode, minVersion] of cases) {
    const a = args(rendered(name));
    t.same(flag(a, '--native-sidecars'), [mode], `${name}: --native-sidecars ${mode}`);
    t.same(flag(a, '--native-min-version'), [minVersion], `${name}: --native-min-version ${minVersion}`);
    const parsed = parsedArgs(a);
    if (serveKnows('--native-sidecars')) t.equal(parsed['native-sidecars'], mode, `${name}: hahaha reads --native-sidecars ${mode}`);
    if (serveKnows('--native-min-version')) t.equal(String(parsed['native-min-version']), minVersion, `${name}: hahaha reads --native-min-version ${minVersion}`);
  }
  // The chart's defaults are hahaha's own.
  const serveFlags = COMMANDS.serve!.flags;
  if (serveKnows('--native-sidecars')) t.equal(serveFlags['native-sidecars']!.default, 'auto', "serve's --native-sidecars defaults to auto, as the chart does");
  if (serveKnows('--native-min-version')) t.equal(String(serveFlags['native-min-version']!.default), '1.33', "serve's --native-min-version defaults to 1.33, as the chart does");
  // An unquoted on or off in a values file is a YAML 1.1 boolean to Helm; it still means on or off.
  for (const [text, mode] of [['on', 'on'], ['off', 'off'], ['true', 'on'], ['false', 'off']] as const) {
    t.same(flag(args(parseManifests(await templateText(`nativeSidecars:\n  mode: ${text}\n`))), '--native-sidecars'), [mode], `mode: ${text} (unquoted) is ${mode}`);
  }
});

t.test('certificate args: self-managed flags in selfManaged mode, mounted files otherwise', async (t) => {
  const self = args(rendered('default (selfManaged)'));
  t.same(flag(self, '--certificates'), ['self-managed']);
  t.same(flag(self, '--cert-secret'), [SECRET]);
  t.same(flag(self, '--webhook-config-name'), [`00-${FULLNAME}`]);
  t.same(flag(self, '--cert-host'), HOSTS);
  t.same(flag(self, '--cert-lifetime'), ['2160h']);
  t.same(flag(self, '--renew-before'), ['720h']);
  for (const d of ['--cert-lifetime', '--renew-before']) t.ok(parseDuration(flag(self, d)[0]!), `${d} is a duration hahaha reads`);
  t.same(flag(self, '--cert-file'), []);
  t.same(flag(self, '--key-file'), []);
  const objs = rendered('default (selfManaged)');
  t.equal(find(objs, 'Secret').metadata.name, flag(self, '--cert-secret')[0], '--cert-secret names the Secret the chart creates');
  t.equal(find(objs, 'MutatingWebhookConfiguration').metadata.name, flag(self, '--webhook-config-name')[0]);
  t.equal(find(objs, 'ValidatingWebhookConfiguration').metadata.name, flag(self, '--webhook-config-name')[0]);
  const svc = find(objs, 'Service', FULLNAME);
  t.equal(HOSTS[0], `${svc.metadata.name}.${svc.metadata.namespace}.svc`, '--cert-host names the webhook Service');
  t.notOk(podSpec(objs).volumes.some((v) => v.secret), 'no Secret is mounted: hahaha reads it through the API');

  for (const name of ['certManager', 'existingSecret']) {
    const o = rendered(name);
    const a = args(o);
    const parsed = parsedArgs(a);
    t.equal(parsed['cert-file'], '/tls/tls.crt', `${name}: --cert-file`);
    t.equal(parsed['key-file'], '/tls/tls.key');
    for (const f of SELF_MANAGED_FLAGS) t.same(flag(a, f), [], `${name}: no ${f}`);
    const mount = container(o).volumeMounts.find((m) => m.mountPath === '/tls');
    t.ok(mount?.readOnly);
    const secretName = podSpec(o).volumes.find((v) => v.name === mount?.name)?.secret?.secretName;
    t.equal(secretName, name === 'certManager' ? SECRET : 'my-tls');
  }
});

// ---- RBAC ----

const deployRbac = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject);
/** The rules of hahaha's ClusterRoles: the workload one (`base`) and, in mode auto, `base`-nodes. */
const clusterRules = (objs: K8sObject[], base: string): Rule[] => objs.filter((o) => o.kind === 'ClusterRole' && (o.metadata.name === base || o.metadata.name === `${base}-nodes`)).flatMap(rules);
const normalize = (rs: Rule[]): Rule[] => rs.map((r) => ({ ...r, verbs: [...r.verbs].sort(), resources: [...r.resources].sort() }));

// The two optional rules of the ClusterRole: Nodes (for --native-sidecars auto) and exec/port-forward (rbac.shutdownActions).
const NODES_RULE: Rule = { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] };
const SHUTDOWN_RULE: Rule = { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create', 'get'] };
const sameRule = (a: Rule, b: Rule): boolean => JSON.stringify(normalize([a])) === JSON.stringify(normalize([b]));
const touches = (r: Rule, resources: string[]): boolean => r.resources.some((x) => resources.includes(x));
/** The ClusterRole rules a render should have: deploy/rbac.yaml's (the default render), without the optional rules its values turn off. */
function expectedClusterRules(values: object): Rule[] {
  const v = values as { nativeSidecars?: { mode?: string }; rbac?: { shutdownActions?: boolean } };
  return clusterRules(deployRbac, 'hahaha').filter((r) =>
    !(sameRule(r, NODES_RULE) && (v.nativeSidecars?.mode ?? 'auto') !== 'auto') && !(sameRule(r, SHUTDOWN_RULE) && v.rbac?.shutdownActions === false));
}

t.test('ServiceAccount, ClusterRole and Role grant exactly what deploy/rbac.yaml grants (less the optional rules the values turn off)', async (t) => {
  for (const [name, objs] of renders) {
    const sa = find(objs, 'ServiceAccount');
    t.same([sa.metadata.name, sa.metadata.namespace], [FULLNAME, NAMESPACE], `${name}: ServiceAccount`);
    t.same(normalize(clusterRules(objs, FULLNAME)), normalize(expectedClusterRules(MATRIX[name]!)), `${name}: ClusterRole rules`);
    const role = find(objs, 'Role', `${FULLNAME}-leader-election`);
    t.equal(role.metadata.namespace, NAMESPACE);
    t.same(normalize(rules(role)), normalize(rules(find(deployRbac, 'Role'))), `${name}: Role rules`);
    const namespaces = (MATRIX[name] as { namespaces?: string[] }).namespaces ?? [];
    // With namespaces, the workload ClusterRole is bound in each of them only.
    const workload = namespaces.length
      ? objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === FULLNAME)
      : [find(objs, 'ClusterRoleBinding', FULLNAME)];
    t.same(workload.map((b) => b.metadata.namespace ?? '').sort(), namespaces.length ? [...namespaces].sort() : [''], `${name}: where the ClusterRole is bound`);
    t.notOk(namespaces.length && objs.some((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === FULLNAME), `${name}: no cluster-wide binding with namespaces`);
    for (const b of workload as (K8sObject & { roleRef: object; subjects: object[] })[]) {
      t.same(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: FULLNAME }, `${name}: ${b.kind}`);
      t.same(b.subjects, [{ kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE }]);
    }
    const lease = find(objs, 'RoleBinding', `${FULLNAME}-leader-election`) as K8sObject & { roleRef: object; subjects: object[] };
    t.same(lease.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${FULLNAME}-leader-election` }, `${name}: RoleBinding`);
    t.same(lease.subjects, [{ kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE }]);
    // Nothing else anywhere: no wildcard, no create on secrets, no other kinds of role.
    for (const o of objs.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
      for (const r of rules(o)) {
        t.notOk([...r.verbs, ...r.resources, ...r.apiGroups].includes('*'), `${name}: ${o.metadata.name} has no wildcard`);
        if (r.resources.includes('secrets')) t.notOk(r.verbs.includes('create'), 'never create on secrets');
      }
    }
  }
});

t.test('nodes list and watch only in nativeSidecars.mode auto; pods/exec and pods/portforward only with rbac.shutdownActions', async (t) => {
  const allRules = (objs: K8sObject[]): Rule[] => objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').flatMap(rules);
  const clusterRole = (objs: K8sObject[]): Rule[] => normalize(clusterRules(objs, FULLNAME));

  const def = rendered('default (selfManaged)');
  t.same(allRules(def).filter((r) => touches(r, ['nodes'])), [NODES_RULE], 'default (auto): list and watch on nodes, in the core group, nothing more on nodes');
  t.same(allRules(def).filter((r) => touches(r, ['pods/exec', 'pods/portforward'])), [SHUTDOWN_RULE], 'default: create and get on pods/exec and pods/portforward');
  t.ok(clusterRules(deployRbac, 'hahaha').some((r) => sameRule(r, NODES_RULE)), 'deploy/rbac.yaml (hahaha in auto) has the nodes rule');
  t.ok(clusterRules(deployRbac, 'hahaha').some((r) => sameRule(r, SHUTDOWN_RULE)), 'deploy/rbac.yaml has the exec and port-forward rule');

  for (const [name, objs] of renders) {
    const all = allRules(objs);
    t.same(all.filter((r) => touches(r, ['events'])), [{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'get'] }],
      `${name}: events are write-only (create; get reads an older hahaha's cursor once): no patch, list or watch`);
    t.same(all.filter((r) => r.verbs.includes('patch')), [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] }],
      `${name}: patch on pods only (the state annotation), on nothing else`);
    t.notOk(all.some((r) => r.verbs.includes('update') && touches(r, ['pods'])), `${name}: no update on pods`);
  }
  const on = rendered('nativeSidecars on, no shutdown actions');
  const off = rendered('nativeSidecars off');
  for (const [name, objs] of [['mode on', on], ['mode off', off]] as const) {
    t.same(allRules(objs).filter((r) => touches(r, ['nodes'])), [], `${name}: no access to nodes`);
  }
  t.same(clusterRole(off), normalize(clusterRules(deployRbac, 'hahaha').filter((r) => !sameRule(r, NODES_RULE))), 'mode off: the default rules without nodes, with exec and port-forward');
  t.same(clusterRole(on), normalize([
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'get'] },
  ]), 'mode on without shutdown actions: read, watch and patch pods (the state annotation) and write events, nothing else');

  const autoNoActions = await render({ rbac: { shutdownActions: false } });
  for (const [name, objs] of [['auto, shutdownActions false', autoNoActions], ['on, shutdownActions false', on]] as const) {
    t.same(allRules(objs).filter((r) => touches(r, ['pods/exec', 'pods/portforward', 'pods/attach'])), [], `${name}: no pods/exec, no pods/portforward`);
  }
  t.same(clusterRole(autoNoActions), normalize(clusterRules(deployRbac, 'hahaha').filter((r) => !sameRule(r, SHUTDOWN_RULE))), 'auto without shutdown actions: the default rules without exec and port-forward, nodes kept');
  // The rest of the RBAC does not move with these values.
  for (const objs of [on, off, autoNoActions]) {
    t.same(normalize(rules(find(objs, 'Role', `${FULLNAME}-leader-election`))), normalize(rules(find(def, 'Role', `${FULLNAME}-leader-election`))));
    t.same(normalize(rules(find(objs, 'ClusterRole', `${FULLNAME}-webhook-ca`))), normalize(rules(find(def, 'ClusterRole', `${FULLNAME}-webhook-ca`))));
  }
});

t.test('selfManaged adds Secret and webhook configuration access, each limited by resourceNames; other modes add nothing', async (t) => {
  const objs = rendered('default (selfManaged)');
  const extraRoles = objs.filter((o) => (o.kind === 'Role' || o.kind === 'ClusterRole') && ![FULLNAME, `${FULLNAME}-nodes`, `${FULLNAME}-leader-election`].includes(o.metadata.name));
  t.same(extraRoles.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [`ClusterRole/${FULLNAME}-webhook-ca`, `Role/${FULLNAME}-certificates`]);
  const secretRole = find(objs, 'Role', `${FULLNAME}-certificates`);
  t.equal(secretRole.metadata.namespace, NAMESPACE);
  t.same(rules(secretRole), [{ apiGroups: [''], resources: ['secrets'], resourceNames: [SECRET], verbs: ['get', 'update'] }]);
  const webhookRole = find(objs, 'ClusterRole', `${FULLNAME}-webhook-ca`);
  t.same(rules(webhookRole), [{
    apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
    resourceNames: [`00-${FULLNAME}`], verbs: ['get', 'update'],
  }]);
  t.equal(find(objs, 'MutatingWebhookConfiguration').metadata.name, `00-${FULLNAME}`, 'the resourceName is the configurations\' name');
  for (const [kind, roleKind, roleName] of [['RoleBinding', 'Role', `${FULLNAME}-certificates`], ['ClusterRoleBinding', 'ClusterRole', `${FULLNAME}-webhook-ca`]] as const) {
    const b = find(objs, kind, roleName) as K8sObject & { roleRef: object; subjects: object[] };
    t.same(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName });
    t.same(b.subjects, [{ kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE }]);
  }
  for (const name of ['certManager', 'certManager with a ClusterIssuer', 'existingSecret', 'webhook.url (test-only)']) {
    const o = rendered(name);
    t.same(o.filter((x) => ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(x.kind)).map((x) => `${x.kind}/${x.metadata.name}`).sort(),
      [`ClusterRole/${FULLNAME}`, `ClusterRole/${FULLNAME}-nodes`, `ClusterRoleBinding/${FULLNAME}`, `ClusterRoleBinding/${FULLNAME}-nodes`, `Role/${FULLNAME}-leader-election`, `RoleBinding/${FULLNAME}-leader-election`], `${name}: the base RBAC only`);
  }
});

// ---- webhook configurations ----

t.test('hahaha\'s mutating webhook runs before the injectors it writes annotations for, whatever fullnameOverride says', async (t) => {
  // The apiserver calls mutating webhooks in the order of their configurations' names.
  const injectors = ['cloud-sql-proxy-operator-mutating-webhook-configuration', 'dapr-sidecar-injector', 'istio-revision-tag-default', 'istio-sidecar-injector', 'linkerd-proxy-injector-webhook-config', 'vault-agent-injector-cfg'];
  for (const fullnameOverride of [undefined, 'zz-shutdown', 'sidecar-shutdown', 'a']) {
    const objs = await render(fullnameOverride ? { fullnameOverride } : {});
    const name = find(objs, 'MutatingWebhookConfiguration').metadata.name;
    const order = [...injectors, name].sort();
    t.equal(order[0], name, `${fullnameOverride ?? 'default'}: ${name} sorts first`);
    t.equal(find(objs, 'ValidatingWebhookConfiguration').metadata.name, name, 'one name for both (the caBundle writer uses it)');
  }
});

t.test('webhook configurations: v1 reviews, no side effects, fail-open mutation, reinvocation, timeouts, rules, paths', async (t) => {
  for (const [name, objs] of renders) {
    const [m, ...moreM] = webhooks(objs, 'MutatingWebhookConfiguration');
    const [v, ...moreV] = webhooks(objs, 'ValidatingWebhookConfiguration');
    t.same([moreM, moreV], [[], []], `${name}: one webhook each`);
    t.match(m, { admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore', reinvocationPolicy: 'IfNeeded' }, `${name}: mutating`);
    t.match(v, { admissionReviewVersions: ['v1'], sideEffects: 'None' }, `${name}: validating`);
    t.notOk(v!.reinvocationPolicy);
    t.same(m!.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
    t.same(v!.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' }]);
    if (name === 'webhook.url (test-only)') {
      t.same([m!.clientConfig.url, v!.clientConfig.url], ['https://127.0.0.1:18443/mutate', 'https://127.0.0.1:18443/validate']);
      t.notOk(m!.clientConfig.service ?? v!.clientConfig.service, 'no Service reference with webhook.url');
    } else {
      t.same(m!.clientConfig.service, { name: FULLNAME, namespace: NAMESPACE, path: '/mutate', port: 443 });
      t.same(v!.clientConfig.service, { name: FULLNAME, namespace: NAMESPACE, path: '/validate', port: 443 });
      t.notOk(m!.clientConfig.url);
    }
  }
  const def = rendered('default (selfManaged)');
  t.same([webhooks(def, 'MutatingWebhookConfiguration')[0]!.timeoutSeconds, webhooks(def, 'ValidatingWebhookConfiguration')[0]!.timeoutSeconds], [5, 5]);
  t.equal(webhooks(def, 'ValidatingWebhookConfiguration')[0]!.failurePolicy, 'Ignore', 'validating defaults to Ignore');
  const custom = rendered('custom selector and namespaces');
  t.same([webhooks(custom, 'MutatingWebhookConfiguration')[0]!.timeoutSeconds, webhooks(custom, 'ValidatingWebhookConfiguration')[0]!.timeoutSeconds], [3, 3]);
  t.equal(webhooks(custom, 'ValidatingWebhookConfiguration')[0]!.failurePolicy, 'Fail');
  t.equal(webhooks(custom, 'MutatingWebhookConfiguration')[0]!.failurePolicy, 'Ignore', 'the mutating webhook stays fail-open');
  // The Service the configurations call reaches the https port of the pods.
  const svc = find(def, 'Service', FULLNAME) as K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } };
  t.same(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[443, 'https']]);
  t.match(deployment(def).spec.template.metadata.labels, svc.spec.selector);
});

t.test('namespaceSelector: always excludes kube-system, kube-public, kube-node-lease and the release namespace, plus webhook.excludeNamespaces; namespaces limits it', async (t) => {
  const elsewhere = await render({ webhook: { excludeNamespaces: ['monitoring', 'kube-system'] } }, { namespace: 'platform' });
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const) {
    t.same(webhooks(elsewhere, kind)[0]!.namespaceSelector, {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'platform', 'monitoring'] }],
    }, `${kind}: the release namespace is the one installed into`);
    t.same(webhooks(rendered('default (selfManaged)'), kind)[0]!.namespaceSelector.matchExpressions, [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', NAMESPACE] }]);
    t.same(webhooks(rendered('custom selector and namespaces'), kind)[0]!.namespaceSelector.matchExpressions, [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', NAMESPACE, 'monitoring'] },
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b'] },
    ], `${kind}: with namespaces, only those`);
  }
});

// ---- certificates ----

t.test('selfManaged: an empty Opaque Secret kept on uninstall, no certificate data anywhere, caBundle left to hahaha', async (t) => {
  for (const name of ['default (selfManaged)', 'dryRun', 'custom selector and namespaces', 'catalog and exec allowlist', 'monitoring on']) {
    const text = await templateText(MATRIX[name]);
    t.notMatch(text, /BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)/, `${name}: no PEM`);
    t.notMatch(text, /caBundle|tls\.crt|tls\.key|ca\.crt/, `${name}: no caBundle, no key or certificate files`);
    const objs = parseManifests(text);
    const secret = find(objs, 'Secret') as K8sObject & { type: string; data?: unknown; stringData?: unknown };
    t.same([secret.metadata.name, secret.metadata.namespace, secret.type], [SECRET, NAMESPACE, 'Opaque']);
    t.equal(secret.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    t.notOk(secret.data ?? secret.stringData, 'the Secret is empty');
    t.equal(objs.filter((o) => o.apiVersion.startsWith('cert-manager.io/')).length, 0, 'no cert-manager objects');
    t.notOk(find(objs, 'MutatingWebhookConfiguration').metadata.annotations?.['cert-manager.io/inject-ca-from']);
  }
  // Two renders are byte for byte the same (nothing random, nothing time-dependent).
  t.equal(await templateText({}), await templateText({}));
});

t.test('certManager: a self-signed CA chain issues the serving certificate for the Service, and cainjector fills both caBundles', async (t) => {
  const objs = rendered('certManager');
  const byName = (kind: string, name: string) => find(objs, kind, name) as K8sObject & { spec: Record<string, unknown> };
  t.same(byName('Issuer', `${FULLNAME}-selfsigned`).spec, { selfSigned: {} });
  const ca = byName('Certificate', `${FULLNAME}-ca`).spec;
  t.match(ca, { isCA: true, secretName: `${FULLNAME}-ca`, issuerRef: { name: `${FULLNAME}-selfsigned`, kind: 'Issuer' } });
  t.same(byName('Issuer', `${FULLNAME}-ca`).spec, { ca: { secretName: ca.secretName } }, 'the CA Issuer uses the CA Certificate\'s Secret');
  const serving = byName('Certificate', `${FULLNAME}-tls`).spec as { secretName: string; dnsNames: string[]; issuerRef: { name: string; kind: string } };
  t.equal(serving.secretName, SECRET);
  t.same(serving.dnsNames, HOSTS, 'valid for the Service the configurations call');
  t.same(serving.issuerRef, { name: `${FULLNAME}-ca`, kind: 'Issuer', group: 'cert-manager.io' });
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
    t.equal(find(objs, kind).metadata.annotations?.['cert-manager.io/inject-ca-from'], `${NAMESPACE}/${FULLNAME}-tls`, `${kind}: injected from the serving Certificate`);
  }
  t.equal(objs.filter((o) => o.kind === 'Secret').length, 0, 'cert-manager writes the Secret');

  const cluster = renders.get('certManager with a ClusterIssuer')!;
  t.same(cluster.filter((o) => o.apiVersion.startsWith('cert-manager.io/')).map((o) => `${o.kind}/${o.metadata.name}`), [`Certificate/${FULLNAME}-tls`], 'an issuerRef replaces the chart\'s own CA');
  t.match(find(cluster, 'Certificate').spec, { issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
});

t.test('existingSecret: the given CA bundle in both configurations, the given Secret mounted, nothing created', async (t) => {
  const objs = rendered('existingSecret');
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const) {
    t.equal(webhooks(objs, kind)[0]!.clientConfig.caBundle, FAKE_CA_BUNDLE);
  }
  t.equal(objs.filter((o) => o.kind === 'Secret' || o.apiVersion.startsWith('cert-manager.io/')).length, 0);
});

// ---- catalog ----

t.test('the catalog ConfigMap is a catalog hahaha loads, mounted where --catalog points; changing it rolls the pods', async (t) => {
  const objs = rendered('catalog and exec allowlist');
  const cm = find(objs, 'ConfigMap', `${FULLNAME}-catalog`) as K8sObject & { data: Record<string, string> };
  const c = container(objs);
  const mount = c.volumeMounts.find((m) => m.name === 'catalog');
  t.equal(`${mount?.mountPath}/catalog.yaml`, flag(c.args, '--catalog')[0]);
  t.equal(podSpec(objs).volumes.find((v) => v.name === 'catalog')?.configMap?.name, cm.metadata.name);
  const { loadCatalog } = await import('../../src/core/catalog.ts');
  const loaded = loadCatalog(cm.data['catalog.yaml']!, 'catalog.yaml');
  t.ok(loaded.ok, `hahaha loads the rendered catalog${loaded.ok ? '' : `: ${loaded.error}`}`);
  if (loaded.ok) t.same(loaded.value[0]?.names, ['metrics-exporter'], 'its entry comes first');
  const checksum = deployment(objs).spec.template.metadata.annotations?.['checksum/catalog'];
  t.match(checksum, /^[0-9a-f]{64}$/);
  const other = await render({ catalog: { sidecars: [{ name: 'x', action: 'none' }] } });
  t.not(deployment(other).spec.template.metadata.annotations?.['checksum/catalog'], checksum);
  t.equal(rendered('default (selfManaged)').filter((o) => o.kind === 'ConfigMap').length, 0, 'no catalog: no ConfigMap, no --catalog');
  t.notOk(deployment(rendered('default (selfManaged)')).spec.template.metadata.annotations);
});

// ---- monitoring ----

const metricNames = async (): Promise<Set<string>> => {
  const registry = createMetrics().registry;
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
};
const referenced = (expr: string): string[] => [...new Set(expr.match(/\bhahaha_[a-z_]+/g) ?? [])];

t.test('metrics: a metrics Service on 9090; ServiceMonitor, PrometheusRule and dashboard only when enabled', async (t) => {
  const def = rendered('default (selfManaged)');
  const svc = find(def, 'Service', `${FULLNAME}-metrics`) as K8sObject & { spec: { ports: { name: string; port: number; targetPort: string }[] } };
  t.same(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['metrics', 9090, 'metrics']]);
  t.same(def.filter((o) => ['ServiceMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name.endsWith('-dashboard')), [], 'monitoring off by default');

  const on = rendered('monitoring on');
  const sm = find(on, 'ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
  t.equal(sm.metadata.labels?.release, 'prometheus');
  const onSvc = find(on, 'Service', `${FULLNAME}-metrics`);
  t.match(onSvc.metadata.labels, sm.spec.selector.matchLabels, 'the ServiceMonitor selects the metrics Service…');
  t.notMatch(find(on, 'Service', FULLNAME).metadata.labels, sm.spec.selector.matchLabels, '…and not the webhook Service');
  t.same(sm.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
});

t.test('alerts: awaiting pods, shutdown failures, no leader, webhook errors, over metrics hahaha exports', async (t) => {
  const names = await metricNames();
  const rule = find(rendered('monitoring on'), 'PrometheusRule') as K8sObject & { spec: { groups: { rules: { alert: string; expr: string; for: string; labels: Record<string, string> }[] }[] } };
  const alerts = Object.fromEntries(rule.spec.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
  t.same(Object.keys(alerts).sort(), ['HahahaAbsent', 'HahahaNoLeader', 'HahahaPodsAwaitingShutdown', 'HahahaSidecarShutdownFailures', 'HahahaWebhookErrors']);
  for (const r of Object.values(alerts)) {
    for (const m of referenced(r.expr)) t.ok(names.has(m), `${r.alert}: ${m} is a metric of hahaha`);
    t.match(r.expr, `namespace="${NAMESPACE}"`, `${r.alert}: only this release's hahaha`);
    t.equal(r.labels.severity, 'warning');
    t.match(r.for, /^[0-9]+[smh]$/);
  }
  t.match(alerts.HahahaPodsAwaitingShutdown!.expr, /max\(hahaha_oldest_awaiting_shutdown_seconds\{[^}]*\}\) > 300\b/);
  t.match(alerts.HahahaPodsAwaitingShutdown!.expr, /hahaha_pods_awaiting_shutdown\{[^}]*\}\) > 0/);
  t.match(alerts.HahahaSidecarShutdownFailures!.expr, /rate\(hahaha_sidecar_shutdowns_total\{[^}]*result!="success"\}/);
  t.match(alerts.HahahaNoLeader!.expr, /sum\(hahaha_leader\{[^}]*\}\) == 0/);
  t.equal(alerts.HahahaNoLeader!.for, '5m');
  t.match(alerts.HahahaWebhookErrors!.expr, /rate\(hahaha_admission_requests_total\{[^}]*result="error"\}/);
  // The label values the alerts compare with are ones hahaha writes.
  const help = (await createMetrics().registry.getMetricsAsJSON()).find((m) => m.name === 'hahaha_admission_requests_total')?.help ?? '';
  t.match(help, /\berror\b/);
});

t.test('the Grafana dashboard: labelled for the sidecar, valid JSON, panels for shutdowns, failures, awaiting pods, admission latency, the reaction and API latency', async (t) => {
  const names = await metricNames();
  const cm = find(rendered('monitoring on'), 'ConfigMap', `${FULLNAME}-dashboard`) as K8sObject & { data: Record<string, string> };
  t.equal(cm.metadata.labels?.grafana_dashboard, '1');
  const dash = JSON.parse(cm.data['hahaha.json']!) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
  t.equal(dash.uid, 'hahaha');
  const exprs = dash.panels.flatMap((p) => p.targets.map((x) => x.expr));
  for (const e of exprs) for (const m of referenced(e)) t.ok(names.has(m), `${m} is a metric of hahaha`);
  const panel = (re: RegExp) => dash.panels.find((p) => re.test(p.title));
  t.match(panel(/shutdowns by result/i)?.targets[0]?.expr, 'hahaha_sidecar_shutdowns_total');
  t.match(panel(/failures/i)?.targets[0]?.expr, /hahaha_sidecar_shutdowns_total\{[^}]*result!="success"/);
  t.match(panel(/awaiting/i)?.targets[0]?.expr, 'hahaha_pods_awaiting_shutdown');
  t.match(panel(/admission latency/i)?.targets[0]?.expr, /histogram_quantile\(0\.5, sum by \(le, webhook\) \(rate\(hahaha_admission_duration_seconds_bucket/);
  t.same(panel(/reaction/i)?.targets.map((x) => /hahaha_\w+_bucket/.exec(x.expr)?.[0]), ['hahaha_shutdown_reaction_seconds_bucket', 'hahaha_queue_wait_seconds_bucket', 'hahaha_kube_request_duration_seconds_bucket'], 'the reaction beside its parts');
  t.match(panel(/API latency/)?.targets[0]?.expr, /sum by \(le, verb, resource, code\) \(rate\(hahaha_kube_request_duration_seconds_bucket/);
  const ids = dash.panels.map((p) => (p as unknown as { id: number }).id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
});

t.test('every object is namespaced in the release namespace, or cluster-scoped by nature, or a RoleBinding in a managed namespace', async (t) => {
  const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
  for (const [name, objs] of renders) {
    const managed = (MATRIX[name] as { namespaces?: string[] }).namespaces ?? [];
    for (const o of objs) {
      if (clusterScoped.has(o.kind)) t.notOk(o.metadata.namespace, `${name}: ${o.kind} has no namespace`);
      else if (o.kind === 'RoleBinding' && o.metadata.name === FULLNAME) t.ok(managed.includes(o.metadata.namespace ?? ''), `${name}: RoleBinding/${FULLNAME} in managed namespace ${o.metadata.namespace}`);
      else t.equal(o.metadata.namespace, NAMESPACE, `${name}: ${o.kind}/${o.metadata.name}`);
      t.equal(o.metadata.labels?.['app.kubernetes.io/instance'], RELEASE, `${name}: ${o.kind}/${o.metadata.name} is labelled`);
    }
  }
});

t.test('networkPolicy: off by default; on, ingress to the webhook and metrics ports only and egress to the apiserver only', async (t) => {
  t.notOk((await render()).some((o) => o.kind === 'NetworkPolicy'), 'off by default');
  const objs = await render({ networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.10/32'], ports: [6443] } } });
  const np = find(objs, 'NetworkPolicy') as K8sObject & { spec: { podSelector: { matchLabels: object }; policyTypes: string[]; ingress: { from?: unknown; ports: { port: string }[] }[]; egress: { to: { ipBlock: { cidr: string } }[]; ports: { port: number }[] }[] } };
  t.same(np.spec.policyTypes, ['Ingress', 'Egress']);
  t.same(np.spec.podSelector.matchLabels, deployment(objs).spec.selector.matchLabels, 'selects hahaha\'s own pods');
  t.same(np.spec.ingress.map((i) => i.ports.map((p) => p.port)), [['https', 'metrics']]);
  t.same(np.spec.egress, [{ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] }], 'the apiserver and nothing else');
  const ports = (container(objs) as unknown as { ports: { name: string }[] }).ports;
  t.ok(['https', 'metrics'].every((n) => ports.some((p) => p.name === n)), 'the named ports exist on the container');
  const r = await templateRun({ networkPolicy: { enabled: true } });
  t.not(r.code, 0);
  t.match(r.stderr, 'networkPolicy.enabled needs networkPolicy.apiServer.cidrs');
});

t.test('split: the webhooks as a ServiceAccount with no exec, port-forward, pods or events; the controller alone with the workload RBAC', async (t) => {
  const text = await templateText({ split: { enabled: true } });
  t.matchSnapshot(normalized(text), 'split');
  const objs = parseManifests(text);
  const webhookSa = `${FULLNAME}-webhook`;
  const deployments = objs.filter((o) => o.kind === 'Deployment') as (K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec & { serviceAccountName: string } } } })[];
  t.same(deployments.map((d) => d.metadata.name).sort(), [FULLNAME, `${FULLNAME}-controller`]);
  const [webhooks, controller] = [deployments.find((d) => d.metadata.name === FULLNAME)!, deployments.find((d) => d.metadata.name !== FULLNAME)!];
  t.equal(webhooks.spec.template.spec.serviceAccountName, webhookSa);
  t.equal(controller.spec.template.spec.serviceAccountName, FULLNAME);
  t.ok(webhooks.spec.template.spec.containers[0]!.args.includes('--no-controller'));
  t.ok(controller.spec.template.spec.containers[0]!.args.includes('--no-webhooks'));
  t.notOk(controller.spec.template.spec.containers[0]!.args.includes('--cert-host'), 'the controller holds no certificate');
  // Neither Deployment (nor the Service) selects the other's pods.
  const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  t.notOk(matches(webhooks.spec.selector.matchLabels, controller.spec.template.metadata.labels), 'the webhook Deployment does not select controller pods');
  t.notOk(matches(controller.spec.selector.matchLabels, webhooks.spec.template.metadata.labels), 'and the other way round');
  const svc = find(objs, 'Service', FULLNAME) as K8sObject & { spec: { selector: Record<string, string> } };
  t.notOk(matches(svc.spec.selector, controller.spec.template.metadata.labels), 'the webhook Service has no controller endpoints');
  // What each ServiceAccount is bound to.
  const bindings = objs.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') as (K8sObject & { roleRef: { kind: string; name: string }; subjects: { name: string }[] })[];
  const rulesOf = (sa: string): Rule[] => bindings.filter((b) => b.subjects.some((s) => s.name === sa)).flatMap((b) => rules(find(objs, b.roleRef.kind, b.roleRef.name)));
  const webhookRules = rulesOf(webhookSa);
  t.same(webhookRules.filter((r) => touches(r, ['pods', 'pods/exec', 'pods/portforward', 'events'])), [], 'the webhooks: no pods, exec, port-forward or events');
  t.same(webhookRules.filter((r) => touches(r, ['secrets'])).map((r) => r.resourceNames), [[SECRET]], 'the webhooks: only their own certificate\'s Secret');
  t.ok(webhookRules.some((r) => touches(r, ['nodes'])), 'the webhooks read Node versions (native conversion)');
  const controllerRules = rulesOf(FULLNAME);
  t.ok(controllerRules.some((r) => sameRule(r, SHUTDOWN_RULE)), 'the controller: exec and port-forward');
  t.same(controllerRules.filter((r) => touches(r, ['secrets', 'nodes'])), [], 'the controller: no Secret, no Nodes');
  const leases = (sa: string) => rulesOf(sa).filter((r) => touches(r, ['leases'])).flatMap((r) => r.resourceNames ?? []);
  t.same([leases(FULLNAME), leases(webhookSa)], [[FULLNAME], [`${FULLNAME}-webhook`]], 'a Lease each');
});
