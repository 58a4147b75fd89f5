// The chart's ValidatingAdmissionPolicies (templates/admission-policies.yaml), rendered in every mode:
// which policies each mode gets, whom they match, that the namespaces they keep hahaha out of are
// the very list the webhooks skip, that a pod update by hahaha is compared field by field, and that
// the annotation domain they protect is STATE_DOMAIN of src/core/annotations.ts. What the policies
// decide on a real apiserver is test/e2e/chart.test.ts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { STATE_DOMAIN, STATE_KEY } from '../../src/core/annotations.ts';
import { CHART, NAMESPACE, RELEASE, REPO, type K8sObject, find, parseManifests, render, run, templateRun, templateText } from './helm.ts';

const FULLNAME = RELEASE;
const USER = `system:serviceaccount:${NAMESPACE}:${FULLNAME}`;

/** Every mode that changes the policies. */
const MODES: Record<string, object> = {
  default: {},
  'namespaces set': { namespaces: ['team-a', 'team-b'], webhook: { excludeNamespaces: ['monitoring'] } },
  split: { split: { enabled: true } },
  'shutdownActions false': { nativeSidecars: { mode: 'on' }, rbac: { shutdownActions: false } },
  'execCommands false': { rbac: { admissionPolicy: { execCommands: false } } },
  'deprecated execAdmissionPolicy false': { rbac: { execAdmissionPolicy: false } },
  'deprecated execAdmissionPolicy true': { rbac: { execAdmissionPolicy: true } },
  'admission policies off': { rbac: { admissionPolicy: { enabled: false } } },
  'catalog and allowExec': {
    catalog: { replace: true, sidecars: [{ name: 'envoy', action: 'POST :15000/quitquitquit || exec /usr/bin/pkill envoy' }] },
    allowExec: ['/bin/kill -s * 1'],
  },
};

/** The policies each mode must render (<fullname>-NAME). */
const EXPECTED: Record<string, string[]> = {
  default: ['exec', 'scope', 'state'],
  'namespaces set': ['exec', 'scope', 'state'],
  split: ['exec', 'scope', 'state'],
  'shutdownActions false': ['scope', 'state'],
  'execCommands false': ['scope', 'state'],
  'deprecated execAdmissionPolicy false': ['scope', 'state'],
  'deprecated execAdmissionPolicy true': ['exec', 'scope', 'state'],
  'admission policies off': [],
  'catalog and allowExec': ['exec', 'scope', 'state'],
};

interface Expression { name?: string; expression: string; message?: string; messageExpression?: string; reason?: string }
interface Policy extends K8sObject {
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] };
    matchConditions?: Expression[];
    variables?: Expression[];
    validations: Expression[];
  };
}
interface Binding extends K8sObject { spec: { policyName: string; validationActions: string[] } }
interface Webhook { matchConditions?: Expression[]; namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] } }

const renders = new Map<string, K8sObject[]>();
t.before(async () => {
  await Promise.all(Object.entries(MODES).map(async ([name, values]) => renders.set(name, await render(values))));
});
const rendered = (name: string): K8sObject[] => renders.get(name)!;
const policies = (objs: K8sObject[]): Policy[] => objs.filter((o) => o.kind === 'ValidatingAdmissionPolicy') as Policy[];
const policy = (objs: K8sObject[], name: string): Policy => find(objs, 'ValidatingAdmissionPolicy', `${FULLNAME}-${name}`) as Policy;
const webhook = (objs: K8sObject[], kind: string): Webhook => (find(objs, kind) as K8sObject & { webhooks: Webhook[] }).webhooks[0]!;
/** Every CEL expression of a policy (not the messages). */
const expressions = (p: Policy): string[] => [...(p.spec.matchConditions ?? []), ...(p.spec.variables ?? []), ...p.spec.validations].map((e) => e.expression);
/** The CEL string literals of an expression. */
const literals = (cel: string): string[] => [...cel.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
/** The JSON list after `request.namespace in ` in a validation (the first, or the n-th). */
const namespaceList = (cel: string, n = 0): string[] => JSON.parse([...cel.matchAll(/request\.namespace in (\[[^\]]*\])/g)][n]![1]!) as string[];

t.test('snapshots of the policies in every mode', async (t) => {
  for (const [name, values] of Object.entries(MODES)) {
    const objs = parseManifests(await templateText(values)).filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'));
    t.matchSnapshot(objs.map((o) => `${o.kind}/${o.metadata.name}`).join('\n') + '\n' + objs.map((o) => JSON.stringify(o.spec, null, 1)).join('\n'), name);
  }
});

t.test('each mode renders the policies it asks for, each with a binding that denies and a policy that fails closed', async (t) => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    const objs = rendered(name);
    t.same(policies(objs).map((p) => p.metadata.name).sort(), want.map((w) => `${FULLNAME}-${w}`), `${name}: ${want.join(', ') || 'no policies'}`);
    const bindings = objs.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as Binding[];
    t.same(bindings.map((b) => b.spec.policyName).sort(), want.map((w) => `${FULLNAME}-${w}`), `${name}: one binding per policy`);
    for (const b of bindings) {
      t.equal(b.metadata.name, b.spec.policyName, `${name}: binding ${b.metadata.name} is named after its policy`);
      t.same(b.spec.validationActions, ['Deny'], `${name}: ${b.metadata.name} denies`);
      t.notOk((b.spec as { matchResources?: unknown }).matchResources, 'and binds everywhere');
    }
    for (const p of policies(objs)) {
      t.equal(p.apiVersion, 'admissionregistration.k8s.io/v1', `${name}: ${p.metadata.name} is v1 (Kubernetes 1.30+)`);
      t.equal(p.spec.failurePolicy, 'Fail', `${name}: ${p.metadata.name} fails closed (a CEL error denies)`);
      for (const v of p.spec.validations) {
        t.equal(v.reason, 'Forbidden');
        t.ok(v.message ?? v.messageExpression, `${name}: ${p.metadata.name}: every validation says why`);
      }
    }
  }
});

t.test('the policies match the ServiceAccount the controller runs as, by its username, in any namespace and with any fullname', async (t) => {
  const cases: [string, object, { namespace?: string }, string][] = [
    ['default', {}, {}, USER],
    ['split: the controller keeps the workload ServiceAccount', { split: { enabled: true } }, {}, USER],
    ['another namespace and fullnameOverride', { fullnameOverride: 'shutdown' }, { namespace: 'platform' }, 'system:serviceaccount:platform:shutdown'],
  ];
  for (const [what, values, o, user] of cases) {
    const objs = await render(values, o);
    const controller = objs.filter((x) => x.kind === 'Deployment').find((d) => (d as K8sObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args.every((a) => a !== '--no-controller'))!;
    const sa = (controller as K8sObject & { spec: { template: { spec: { serviceAccountName: string } } } }).spec.template.spec.serviceAccountName;
    t.equal(`system:serviceaccount:${o.namespace ?? NAMESPACE}:${sa}`, user, `${what}: the controller runs as ${user}`);
    const fullname = sa;
    for (const name of ['scope', 'exec']) {
      const p = find(objs, 'ValidatingAdmissionPolicy', `${fullname}-${name}`) as Policy;
      t.same(p.spec.matchConditions?.map((c) => c.expression), [`request.userInfo.username == ${JSON.stringify(user)}`], `${what}: ${name} matches hahaha's ServiceAccount only`);
    }
    const state = find(objs, 'ValidatingAdmissionPolicy', `${fullname}-state`) as Policy;
    t.equal(state.spec.matchConditions?.[0]?.expression, `request.userInfo.username != ${JSON.stringify(user)}`, `${what}: state matches everyone else`);
    t.same(webhook(objs, 'ValidatingWebhookConfiguration').matchConditions, [{ name: 'not-hahaha', expression: `request.userInfo.username != ${JSON.stringify(user)}` }],
      `${what}: the validating webhook never sees hahaha's own writes (a down webhook under Fail cannot block them)`);
    t.notOk(webhook(objs, 'MutatingWebhookConfiguration').matchConditions, `${what}: the mutating webhook (CREATE only; hahaha creates no pods) has no condition`);
  }
});

t.test('scope: exec, port-forward and pod updates; never in the namespaces the webhooks skip, which always include kube-system, kube-public, kube-node-lease and the release namespace', async (t) => {
  for (const [name, objs] of renders) {
    if (!EXPECTED[name]!.includes('scope')) continue;
    const p = policy(objs, 'scope');
    t.same(p.spec.matchConstraints.resourceRules, [
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CONNECT'], resources: ['pods/exec', 'pods/portforward'] },
      { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods'] },
    ], `${name}: CONNECT of pods/exec and pods/portforward, UPDATE of pods`);
    const guard = p.spec.validations[0]!;
    const excluded = namespaceList(guard.expression);
    t.equal(guard.expression, `!(request.namespace in ${JSON.stringify(excluded)})`, `${name}: the first validation is the namespace guard`);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const notIn = webhook(objs, kind).namespaceSelector.matchExpressions.find((e) => e.operator === 'NotIn')!;
      t.same(excluded, notIn.values, `${name}: one list of excluded namespaces: the policy's is ${kind}'s namespaceSelector's`);
    }
    const values = MODES[name] as { namespaces?: string[]; webhook?: { excludeNamespaces?: string[] } };
    t.same(excluded, ['kube-system', 'kube-public', 'kube-node-lease', NAMESPACE, ...(values.webhook?.excludeNamespaces ?? [])], `${name}: ${excluded.join(', ')}`);
    t.match(guard.messageExpression, `"hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages ${excluded.join(', ')}"`);
    const managed = p.spec.validations.filter((v) => v.expression.includes('request.namespace in') && v !== guard);
    if (values.namespaces) {
      t.equal(managed.length, 1, `${name}: with namespaces, a second guard`);
      t.same(namespaceList(managed[0]!.expression, 1), values.namespaces, `${name}: only in ${values.namespaces.join(', ')}`);
      t.same(namespaceList(managed[0]!.expression, 0), excluded, 'an excluded namespace is refused once, by the first guard');
    } else {
      t.same(managed, [], `${name}: without namespaces, every namespace but the excluded`);
    }
  }
  const other = await render({ webhook: { excludeNamespaces: ['monitoring', 'kube-system'] } }, { namespace: 'platform' });
  t.same(namespaceList(policy(other, 'scope').spec.validations[0]!.expression), ['kube-system', 'kube-public', 'kube-node-lease', 'platform', 'monitoring'], 'the release namespace is the one installed into; duplicates once');
});

t.test('scope: a pod update by hahaha may change only the state annotations (spec, labels, other annotations, ownerReferences, finalizers compared; nothing it may not read unguarded)', async (t) => {
  const p = policy(rendered('default'), 'scope');
  const all = expressions(p).join('\n');
  const byMessage = (re: RegExp): Expression => p.spec.validations.find((v) => re.test(v.message ?? v.messageExpression ?? ''))!;
  t.equal(byMessage(/not its spec/).expression, '!variables.podUpdate || object.spec == oldObject.spec');
  t.equal(byMessage(/not its labels$/).expression, '!variables.podUpdate || variables.newLabels == variables.oldLabels', 'labels compared whole (== costs next to nothing, whatever the size)');
  t.equal(byMessage(/not its other annotations$/).expression, '!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0');
  t.match(byMessage(/not its ownerReferences/).expression, /object\.metadata\.ownerReferences.*==.*oldObject\.metadata\.ownerReferences/);
  t.match(byMessage(/not its finalizers/).expression, /object\.metadata\.finalizers.*==.*oldObject\.metadata\.finalizers/);
  for (const v of p.spec.validations.slice(1)) t.match(v.expression, /^!variables\.podUpdate \|\| /, 'each field check applies to pod updates only (a CONNECT has no Pod)');
  t.notMatch(all, /managedFields|resourceVersion|generation/, 'what the apiserver itself changes on every write is not compared');
  // Every optional metadata field is read behind has().
  for (const m of all.matchAll(/\b(object|oldObject)\.metadata\.(\w+)/g)) {
    t.ok(all.includes(`has(${m[1]}.metadata.${m[2]})`), `${m[0]} is guarded by has()`);
  }
  const variables: Record<string, string> = Object.fromEntries((p.spec.variables ?? []).map((v): [string, string] => [v.name ?? '', v.expression]));
  t.equal(variables.podUpdate, 'request.operation == "UPDATE"');
  t.equal(variables.othersSet, `variables.newAnnotations.filter(k, !k.startsWith(${JSON.stringify(`${STATE_DOMAIN}/`)}) && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))`, 'annotations outside the state domain, added or changed');
  t.equal(variables.othersRemoved, `variables.oldAnnotations.filter(k, !k.startsWith(${JSON.stringify(`${STATE_DOMAIN}/`)}) && !(k in variables.newAnnotations))`, 'and removed');
  for (const v of p.spec.validations.filter((x) => x.messageExpression && x.expression.includes('podUpdate'))) {
    t.ok(v.message, `a static message when the key list cannot be made: ${v.message}`);
  }
});

t.test('state: everyone but hahaha, only for pods that have or had a state annotation; no key of the domain set at creation, nor added, changed or removed', async (t) => {
  const p = policy(rendered('default'), 'state');
  t.same(p.spec.matchConstraints.resourceRules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }]);
  t.same(p.spec.matchConditions?.map((c) => c.name), ['not-hahaha', 'state-annotations']);
  const cond = p.spec.matchConditions![1]!.expression;
  t.match(cond, /has\(object\.metadata\.annotations\) && size\(object\.metadata\.annotations\.filter\(k, k\.startsWith\(/, 'the new object');
  t.match(cond, /oldObject != null && has\(oldObject\.metadata\.annotations\) && size\(oldObject\.metadata\.annotations\.filter\(k, k\.startsWith\(/, 'and the old one (CREATE has none)');
  t.same(p.spec.validations.map((v) => v.expression), ['size(variables.added) == 0', 'size(variables.changed) == 0', 'size(variables.removed) == 0']);
  t.match(p.spec.validations[0]!.messageExpression, '(request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ")');
  const why = (p.spec.variables ?? []).find((v) => v.name === 'why')!.expression;
  t.match(why, `written only by ${USER}"`, 'the message names who may write it');
});

t.test(`the state domain of the chart is STATE_DOMAIN of src/core/annotations.ts (${STATE_DOMAIN})`, async (t) => {
  t.ok(STATE_KEY.startsWith(`${STATE_DOMAIN}/`), 'STATE_KEY is in STATE_DOMAIN');
  for (const name of ['default', 'split']) {
    for (const which of ['scope', 'state']) {
      const p = policy(rendered(name), which);
      const domains = expressions(p).flatMap(literals).filter((l) => /hahaha\.nais\.io/.test(l) && !l.includes(' ') && !l.startsWith('system:serviceaccount:'));
      t.ok(domains.length > 0, `${name}: ${which} compares keys with the domain`);
      t.same([...new Set(domains)], [`${STATE_DOMAIN}/`], `${name}: ${which}: every domain in its CEL is ${STATE_DOMAIN}/`);
      const messages = [...p.spec.validations.map((v) => v.message ?? v.messageExpression ?? ''), ...(p.spec.variables ?? []).map((v) => v.expression)].join('\n');
      const named = [...messages.matchAll(/([a-z0-9.-]*hahaha\.nais\.io) annotations/g)].map((m) => m[1]);
      t.ok(named.length > 0);
      t.same([...new Set(named)], [STATE_DOMAIN], `${name}: ${which}: its messages name ${STATE_DOMAIN}`);
    }
  }
  const helpers = readFileSync(join(REPO, 'charts', 'hahaha', 'templates', '_helpers.tpl'), 'utf8');
  t.match(helpers, `{{- define "hahaha.stateDomain" -}}\n${STATE_DOMAIN}\n{{- end }}`, 'one definition in the chart');
});

t.test('exec: the exec policy\'s commands; off with execCommands false, the deprecated execAdmissionPolicy false, or without shutdown actions', async (t) => {
  const def = policy(rendered('default'), 'exec');
  t.same(def.spec.matchConstraints.resourceRules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CONNECT'], resources: ['pods/exec'] }]);
  const builtin = JSON.parse(readFileSync(join(REPO, 'charts', 'hahaha', 'files', 'builtin-exec.json'), 'utf8')) as string[][];
  const alternatives = (p: Policy): string[] => p.spec.validations[0]!.expression.split(' || ');
  t.equal(alternatives(def).length, builtin.length, 'the built-in catalog\'s exec steps');
  t.equal(alternatives(def)[0], `(size(object.command) == ${builtin[0]!.length} && ${builtin[0]!.map((w, i) => `object.command[${i}] == ${JSON.stringify(w)}`).join(' && ')})`);
  const custom = alternatives(policy(rendered('catalog and allowExec'), 'exec'));
  t.same(custom, [
    '(size(object.command) == 2 && object.command[0] == "/usr/bin/pkill" && object.command[1] == "envoy")',
    '(size(object.command) == 4 && object.command[0] == "/bin/kill" && object.command[1] == "-s" && object.command[3] == "1")',
  ], 'catalog.replace drops the built-in commands; a * word matches any one argument');
  const r = await templateRun({ allowExec: ['/bin/sh -c "x"'] });
  t.match(r.stderr, 'or set rbac.admissionPolicy.execCommands=false', 'an unrenderable command names the value that turns the check off');
  t.equal((await templateRun({ allowExec: ['/bin/sh -c "x"'], rbac: { admissionPolicy: { execCommands: false } } })).code, 0, 'and with it off, renders');
});

t.test('policies off: no policy and no binding; the validating webhook still skips hahaha\'s own writes', async (t) => {
  const off = rendered('admission policies off');
  t.same(off.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')), []);
  t.ok(webhook(off, 'ValidatingWebhookConfiguration').matchConditions, 'the webhook still never blocks hahaha\'s own writes');
});

t.test('deploy/admission-policies.yaml is the default render\'s policies, for release hahaha in namespace hahaha', async (t) => {
  const strip = (o: K8sObject): K8sObject => ({ ...o, metadata: { name: o.metadata.name } });
  const objs = (await render({}, { namespace: 'hahaha' })).filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')).map(strip);
  const file = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'admission-policies.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject | null).filter((o) => o !== null);
  t.same(file, objs, 'regenerate with: helm template hahaha charts/hahaha -n hahaha --show-only templates/admission-policies.yaml (labels dropped)');
});

t.test('a cluster whose discovery lacks ValidatingAdmissionPolicy fails the install with what turning the policies off costs; offline renders do not ask', async (t) => {
  const template = (...extra: string[]) => run(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...extra]);
  const without = await template('--api-versions', 'v1/Pod');
  t.not(without.code, 0, 'a cluster (v1/Pod is discovered) without the kind: refused');
  t.match(without.stderr, 'rbac.admissionPolicy.enabled: this cluster serves no admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (Kubernetes 1.30+)');
  t.match(without.stderr, 'set rbac.admissionPolicy.enabled=false only if you accept that');
  t.equal((await template('--api-versions', 'v1/Pod', '--api-versions', 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy')).code, 0, 'a cluster that serves it: rendered');
  t.equal((await template('--api-versions', 'v1/Pod', '--set', 'rbac.admissionPolicy.enabled=false')).code, 0, 'policies off: rendered without them');
  t.equal((await template()).code, 0, 'offline (group versions only): rendered');
});
