// `hahaha convert`'s core: manifests in, the same manifests out with their sidecars native, as the
// mutating webhook would make them, with comments and formatting kept; notes per sidecar; errors
// that name the file, the document and the path.

import { readFileSync } from 'node:fs';
import fjp from 'fast-json-patch';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { analyze } from '../../src/core/analysis.ts';
import { CONVERT, EVERY_POD, convertManifests } from '../../src/core/manifest.ts';
import { movePatch } from '../../src/core/native.ts';
import { podView } from '../../src/core/pod.ts';
import { config, fixture } from '../helpers.ts';

// The shapes the tests read from converted manifests.
type Container = { name: string } & Record<string, unknown>;
interface PodSpec { containers: Container[]; initContainers?: Container[] }
interface Template { metadata: { annotations?: Record<string, string> }; spec: PodSpec }
type Pod = Template & Record<string, unknown>;
type Job = { spec: { template: Template } } & Record<string, unknown>;
type CronJob = { spec: { jobTemplate: { spec: { template: Template } } } };
type List<T> = { items: T[] };

const text = (name: string): string => readFileSync(fixture(`manifests/${name}`), 'utf8');
const convert = (input: string, file = 'in.yaml', cfg = config()) => convertManifests(input, file, cfg);
const names = (list: Container[] | undefined): string[] => (list ?? []).map((c) => c.name);
const SWITCHES = {
  'config.linkerd.io/proxy-enable-native-sidecar': 'true',
  'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true',
  'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true',
  'sidecar.istio.io/nativeSidecar': 'true',
  'dapr.io/enable-native-sidecar': 'true',
};

t.test('a Job: known sidecars move to the end of initContainers, with every comment and line kept', async (t) => {
  const input = text('job.yaml');
  const r = convert(input, 'job.yaml');
  t.same(r.errors, []);
  for (const line of input.split('\n')) t.ok(r.output.includes(line), `kept: ${line}`);
  t.match(r.output, /- name: migrate # runs to completion first\n.*\n {8}# the database connection; --quitquitquit lets hahaha stop it\n {8}- name: cloudsql-proxy # moved by convert\n/);
  t.match(r.output, /- name: vks-sidecar\n.*\n {10}restartPolicy: Always\n {6}containers:\n {8}# the job itself\n {8}- name: dataloader\n/);

  const before = parse(input) as Job;
  const after = parse(r.output) as Job;
  const [was, now] = [before.spec.template, after.spec.template];
  t.same(names(now.spec.initContainers), ['migrate', 'cloudsql-proxy', 'vks-sidecar'], 'appended after the existing init container, in order');
  t.same(names(now.spec.containers), ['dataloader', 'metrics-exporter', 'exits-by-itself', 'linkerd-proxy'], 'unknown, none and injector sidecars stay');
  t.same(now.spec.initContainers?.[1], { ...was.spec.containers[1], restartPolicy: 'Always' }, 'every field kept');
  t.same(now.spec.containers[0], was.spec.containers[0], 'the main container is untouched');
  t.same(now.metadata.annotations, { ...was.metadata.annotations, ...SWITCHES }, "injectors are asked for native sidecars; hahaha's own annotations are the webhook's job");
  t.same({ ...after, spec: { ...after.spec, template: {} } }, { ...before, spec: { ...before.spec, template: {} } }, 'nothing else changes');

  // The webhook's own patch gives the same pod spec.
  const cfg = { ...config(), selector: EVERY_POD };
  const moves = analyze(podView(was), cfg, CONVERT).conversion?.moves ?? [];
  t.same(fjp.applyPatch(structuredClone(was), movePatch(was, moves)).newDocument.spec, now.spec);

  t.same(r.notes, [
    'job.yaml: document 1 (Job dataloader): cloudsql-proxy: moved to initContainers (restartPolicy: Always)',
    'job.yaml: document 1 (Job dataloader): metrics-exporter: stays in containers: unknown sidecar: hahaha moves only sidecars it knows (the catalog, or a shutdown annotation)',
    'job.yaml: document 1 (Job dataloader): exits-by-itself: stays in containers: its action is none: it exits by itself, and a native sidecar that exits is restarted',
    `job.yaml: document 1 (Job dataloader): linkerd-proxy: stays in containers: made by its injector, which is asked for a native sidecar with ${Object.keys(SWITCHES).slice(0, 3).join(', ')}; hahaha never moves it (as a regular container it keeps its shutdown action)`,
    'job.yaml: document 1 (Job dataloader): vks-sidecar: moved to initContainers (restartPolicy: Always)',
  ]);
});

t.test('a CronJob in kubectl style: initContainers and the template metadata are made, the style kept', async (t) => {
  const r = convert(text('cronjob.yaml'), 'cronjob.yaml');
  t.same(r.errors, []);
  t.match(r.output, /\n {6}template:\n {8}metadata:\n {10}annotations:\n/, 'metadata comes first in the template');
  t.match(r.output, /\n {8}spec:\n {10}restartPolicy: OnFailure\n {10}initContainers:\n {10}- name: cloudsql-proxy\n {12}image: .*\n {12}args: \[--quitquitquit\]\n {12}restartPolicy: Always\n {10}containers:\n {10}- name: nightly\n/);
  const tpl = (parse(r.output) as CronJob).spec.jobTemplate.spec.template;
  t.same(names(tpl.spec.containers), ['nightly', 'istio-proxy']);
  t.same(tpl.metadata.annotations, SWITCHES);
  t.match(r.notes, [/istio-proxy: stays in containers: made by its injector/, /cloudsql-proxy: moved/]);
});

t.test('multiple documents: other kinds, empty documents and opted-out pods pass through byte for byte', async (t) => {
  const input = text('multi.yaml');
  const r = convert(input, 'multi.yaml');
  t.same(r.errors, []);
  const [configMap, , empty, optedOut] = input.split(/^(?=---$)/m);
  t.ok(r.output.startsWith(configMap!), 'the ConfigMap, with its comments');
  t.ok(r.output.endsWith(`${empty}${optedOut}`), 'the empty document and the opted-out Pod');
  const docs = parseAllDocuments(r.output).map((d) => d.toJS() as Job | null);
  t.equal(docs.length, 4);
  t.same(names(docs[1]?.spec.template.spec.initContainers), ['secure-logs-fluentd']);
  t.same(docs[1]?.spec.template.metadata.annotations, SWITCHES);
  t.match(r.output, /annotations:\n {8}config\.linkerd\.io/, 'an empty flow map becomes a block map');
  t.same(r.notes, [
    'multi.yaml: document 2 (Job export): secure-logs-fluentd: moved to initContainers (restartPolicy: Always)',
    'multi.yaml: document 4 (Pod opted-out): not converted: the pod opts out with hahaha.nais.io/native-sidecars: "false"',
  ]);
});

t.test('JSON in, JSON out, key order kept', async (t) => {
  const r = convert(text('job.json'), 'job.json');
  t.same(r.errors, []);
  t.ok(r.output.endsWith('}\n'));
  const out = JSON.parse(r.output) as Job;
  t.same(Object.keys(out), ['kind', 'apiVersion', 'metadata', 'spec']);
  t.same(Object.keys(out.spec.template.spec), ['initContainers', 'containers', 'restartPolicy']);
  t.same(Object.keys(out.spec.template.spec.initContainers![0]!), ['image', 'name', 'env', 'restartPolicy']);
  t.same(names(out.spec.template.spec.containers), ['report']);
  t.equal(r.output, `${JSON.stringify(out, null, 2)}\n`);
});

t.test('a List: each item is converted or passed through', async (t) => {
  const r = convert(text('list.yaml'), 'list.yaml');
  t.same(r.errors, []);
  const [configMap, pod] = (parse(r.output) as List<Pod>).items;
  t.same(configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'untouched' }, data: {} });
  t.same(names(pod?.spec.initContainers), ['vks-sidecar']);
  t.match(r.output, '- name: vks-sidecar # the only sidecar');
  const json = convert(JSON.stringify({ kind: 'List', items: [parse(text('job.json'))] }), 'list.json');
  t.same(names((JSON.parse(json.output) as List<Job>).items[0]!.spec.template.spec.initContainers), ['vks-sidecar'], 'a List in JSON too');
});

t.test("the pod's own word keeps it as it is", async (t) => {
  for (const annotation of ['hahaha.nais.io/native-sidecars: "false"', 'hahaha.nais.io/enabled: "false"']) {
    const input = text('job.yaml').replace('      annotations:\n', `      annotations:\n        ${annotation}\n`);
    const r = convert(input, 'job.yaml');
    t.equal(r.output, input, annotation);
    t.same(r.errors, []);
    t.match(r.notes, [/^job\.yaml: document 1 \(Job dataloader\): not converted: .*"false"/]);
  }
});

t.test('converting again changes nothing, byte for byte', async (t) => {
  for (const name of ['job.yaml', 'cronjob.yaml', 'multi.yaml', 'job.json', 'list.yaml']) {
    const once = convert(text(name), name).output;
    t.not(once, text(name), `${name} is converted`);
    t.equal(convert(once, name).output, once, `${name} again`);
  }
  t.equal(convert('').output, '', 'an empty file');
  t.equal(convert('# only a comment\n').output, '# only a comment\n');
});

t.test('errors name the file, the document and the path, and nothing is printed', async (t) => {
  const bad = convert(text('bad.yaml'), 'bad.yaml');
  t.equal(bad.output, '');
  t.same(bad.errors, [
    'bad.yaml: document 2: spec.template.spec.containers[1]: has no name',
    'bad.yaml: document 3: spec.jobTemplate.spec.template.spec.containers: is not a list',
  ]);
  const cases: [string, string][] = [
    ['kind: ConfigMap\n---\nkind: Job\nspec: [\n  a: b: c\n', 'in.yaml: document 2: 5:6: Block collections are not allowed within flow collections'],
    ['{"kind": "Pod",}', 'in.yaml: document 1: not valid JSON: Expected double-quoted property name'],
    ['kind: Job\nmetadata: {name: j}\n', 'in.yaml: document 1: spec.template: is missing'],
    ['kind: CronJob\nspec: {jobTemplate: {spec: {template: []}}}\n', 'in.yaml: document 1: spec.jobTemplate.spec.template: is not a map'],
    ['kind: List\nitems: {}\n', 'in.yaml: document 1: items: is not a list'],
    ['kind: List\nitems:\n  - kind: Pod\n    metadata: {annotations: {a: 1}}\n    spec: {containers: [{name: a}]}\n', 'in.yaml: document 1: items[0].metadata.annotations["a"]: is not a string'],
    ['kind: Job\nspec: {template: {spec: {containers: []}}}\n', 'in.yaml: document 1 (Job): spec.template: the pod has no containers'],
    [
      'kind: Pod\nmetadata:\n  name: p\n  annotations: {shutdown.hahaha.nais.io/b: exec /bin/rm -rf /}\nspec: {containers: [{name: a}, {name: b}]}\n',
      'in.yaml: document 1 (Pod p): denied by the validating webhook: shutdown.hahaha.nais.io/b: ',
    ],
  ];
  for (const [input, error] of cases) {
    const r = convert(input);
    t.equal(r.output, '');
    t.match(r.errors[0], error, error);
  }
  const allowed = convert(cases.at(-1)![0], 'in.yaml', config({ allowExec: ['/bin/rm -rf *'] }));
  t.same(allowed.errors, [], '--allow-exec widens the policy');
  t.same(names((parse(allowed.output) as Pod).spec.initContainers), ['b']);
});

t.test('YAML aliases for containers are refused, not moved (moving would change every use of the anchor)', async (t) => {
  const text = [
    'apiVersion: v1', 'kind: List', 'items:',
    '  - kind: Pod', '    metadata: {name: a}', '    spec:', '      containers: &cs', '        - {name: a, image: x}', '        - {name: vks-sidecar, image: y}',
    '  - kind: Pod', '    metadata: {name: b}', '    spec:', '      containers: *cs', '',
  ].join('\n');
  const r = convert(text);
  t.equal(r.output, '', 'nothing printed');
  t.match(r.errors.join('\n'), /YAML aliases or not plain lists/);
});
