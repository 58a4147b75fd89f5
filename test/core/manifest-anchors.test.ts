// `hahaha convert` on manifests with YAML anchors and aliases. Moving a sidecar to initContainers
// changes the order of the document, so an alias can end up before its anchor, or after another
// anchor of the same name. The converted document must parse and mean what the conversion of the
// resolved input means; an alias that still refers to its own anchor stays an alias, and only the
// others are written out.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { parseAllDocuments, stringify } from 'yaml';
import { convertManifests } from '../../src/core/manifest.ts';
import { config } from '../helpers.ts';

const convert = (input: string) => convertManifests(input, 'in.yaml', config());

/** The documents of a YAML stream as plain JSON values, every alias resolved; throws on any error. */
function resolved(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length || d.warnings.length) throw new Error([...d.errors, ...d.warnings].map((e) => e.message).join('\n'));
    return d.toJS() as unknown;
  });
}

/** The input with every alias written out: what the converted document must mean. */
const writtenOut = (text: string): string => resolved(text).map((v) => stringify(v, { aliasDuplicateObjects: false })).join('---\n');

/** Converts `input` and checks the output against the conversion of the resolved input. */
function check(t: Test, input: string): string {
  const r = convert(input);
  t.same(r.errors, [], 'no errors');
  const expected = convert(writtenOut(input));
  t.same(expected.errors, []);
  t.not(expected.output, writtenOut(input), 'the test case converts something');
  t.same(resolved(r.output), resolved(expected.output), 'the output means the conversion of the resolved input');
  t.same(r.notes, expected.notes, 'the same notes');
  t.equal(convert(r.output).output, r.output, 'converting again changes nothing');
  return r.output;
}

const count = (text: string, s: string): number => text.split(s).length - 1;

const job = (containers: string, more = ''): string => `apiVersion: batch/v1
kind: Job
metadata:
  name: anchored
spec:
  template:
    metadata:
      annotations:
        hahaha.nais.io/main-container: main
    spec:
      restartPolicy: Never
${more}      containers:
${containers}`;

t.test('an anchor in the main container used by the moved sidecar: the sidecar gets a copy', async (t) => {
  const out = check(t, job(`        - name: main
          image: busybox
          securityContext: &hardened
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
        - name: vks-sidecar
          image: vks
          securityContext: *hardened
`));
  t.equal(count(out, '&hardened'), 1, 'the anchor stays where it was');
  t.equal(count(out, '*hardened'), 0, 'the alias that would come before it is written out');
  t.match(out, /initContainers:\n {8}- name: vks-sidecar\n {10}image: vks\n {10}securityContext:\n {12}runAsNonRoot: true\n {12}allowPrivilegeEscalation: false\n {12}capabilities: \{ drop: \[ ALL \] \}|initContainers:\n {8}- name: vks-sidecar\n {10}image: vks\n {10}securityContext:\n {12}runAsNonRoot: true\n {12}allowPrivilegeEscalation: false\n {12}capabilities: \{drop: \[ALL\]\}/, 'written out in the anchor\'s own style');
});

t.test('an anchor in the moved sidecar used by the main container: both stay', async (t) => {
  const out = check(t, job(`        - name: vks-sidecar
          image: vks
          securityContext: &hardened {runAsNonRoot: true}
        - name: main
          image: busybox
          securityContext: *hardened
`));
  t.equal(count(out, '&hardened'), 1);
  t.equal(count(out, '*hardened'), 1, 'the sidecar still comes first');
});

t.test('an anchor in the moved sidecar used by an init container that came after it', async (t) => {
  // initContainers after containers in the text: the sidecar moves to its end, after the alias.
  const input = `kind: Pod
metadata: {name: p, annotations: {hahaha.nais.io/main-container: main}}
spec:
  containers:
    - name: main
      image: busybox
    - name: vks-sidecar
      image: vks
      env: &env [{name: TZ, value: Europe/Oslo}]
  initContainers:
    - name: migrate
      image: migrate
      env: *env
`;
  const out = check(t, input);
  t.equal(count(out, '&env'), 1);
  t.equal(count(out, '*env'), 0);
});

t.test('an anchor outside the containers used by both: every alias stays', async (t) => {
  const input = `apiVersion: batch/v1
kind: Job
metadata:
  name: anchored
  labels: &labels {team: data, app: main}
  annotations:
    timezone: &tz Europe/Oslo
spec:
  template:
    metadata:
      labels: *labels
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          env: [{name: TZ, value: *tz}]
        - name: vks-sidecar
          image: vks
          env: [{name: TZ, value: *tz}]
`;
  const out = check(t, input);
  t.equal(count(out, '&labels'), 1);
  t.equal(count(out, '*labels'), 1);
  t.equal(count(out, '&tz'), 1);
  t.equal(count(out, '*tz'), 2);
});

t.test('an alias inside a moved container to an anchor that stays before it is kept', async (t) => {
  const out = check(t, job(`        - name: main
          image: busybox
        - name: vks-sidecar
          image: vks
          env: *dbenv
`, `      initContainers:
        - name: migrate
          image: migrate
          env: &dbenv [{name: DB, value: postgres}]
`));
  t.equal(count(out, '&dbenv'), 1);
  t.equal(count(out, '*dbenv'), 1);
  t.match(out, /- name: vks-sidecar\n {10}image: vks\n {10}env: \*dbenv\n {10}restartPolicy: Always\n/);
});

t.test('an anchor name used twice: an alias that would now see the other anchor is written out', async (t) => {
  // main's *v meant "one" (the only &v before it); once the sidecar moves ahead, its &v "two" would come between.
  const out = check(t, `kind: Pod
metadata:
  name: p
  annotations: {hahaha.nais.io/main-container: main, first: &v one}
spec:
  containers:
    - name: main
      image: busybox
      env: [{name: V, value: *v}]
    - name: vks-sidecar
      image: vks
      env: [{name: V, value: &v two}]
    - name: other
      image: other
      env: [{name: V, value: *v}]
`);
  t.match(out, /- name: main\n {6}image: busybox\n {6}env: \[ ?\{ ?name: V, value: one ?\} ?\]\n/);
  t.match(out, /- name: other\n {6}image: other\n {6}env: \[ ?\{ ?name: V, value: \*v ?\} ?\]\n/, "other's alias still means the sidecar's");
});

t.test('an alias inside a written-out copy is written out or kept as it needs', async (t) => {
  const out = check(t, `kind: Pod
metadata: {name: p, annotations: {hahaha.nais.io/main-container: main, pull: &pull IfNotPresent}}
spec:
  containers:
    - name: main
      image: busybox
      env: &env [{name: A, value: &a "1"}, {name: B, value: *pull}]
    - name: vks-sidecar
      image: vks
      env: *env
      imagePullPolicy: *a
`);
  t.equal(count(out, '&pull'), 1);
  t.equal(count(out, '*pull'), 2, 'the alias to the anchor before both is kept in the copy');
  t.equal(count(out, '&a'), 1, 'a copy defines no anchor');
});

t.test("an alias for a map that convert adds annotations to is written out; the anchor's own map stays", async (t) => {
  // The Job's metadata is the template's too; linkerd's injector is asked for a native sidecar
  // in the template's annotations only.
  const out = check(t, `apiVersion: batch/v1
kind: Job
metadata: &meta
  name: anchored
  annotations: {team: data}
spec:
  template:
    metadata: *meta
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
        - name: linkerd-proxy
          image: cr.l5d.io/linkerd/proxy:edge-25.11.1
`);
  t.equal(count(out, '&meta'), 1);
  t.equal(count(out, '*meta'), 0);
});

t.test('an alias for a map that convert changes is written out as it was read', async (t) => {
  const out = check(t, `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: j}
    spec:
      template:
        metadata:
          annotations: &ann {team: data}
        spec:
          restartPolicy: Never
          containers:
            - &main {name: main, image: busybox}
            - name: linkerd-proxy
              image: cr.l5d.io/linkerd/proxy:edge-25.11.1
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: c}
    data: *ann
  - apiVersion: v1
    kind: Pod
    metadata: {name: p, annotations: {hahaha.nais.io/enabled: "false"}}
    spec:
      containers: [*main]
`);
  t.equal(count(out, '&ann'), 1);
  t.equal(count(out, '*ann'), 0, 'the ConfigMap keeps the annotations as they were');
  t.equal(count(out, '*main'), 1, 'an unchanged anchor is still used');
});

t.test('bad YAML gets an error that says where, and no stack trace', async (t) => {
  const cases: [string, string][] = [
    ['kind: Pod\nspec: {containers: [{name: a, image: *nope}]}\n', 'in.yaml: document 1: 2:38: the alias *nope has no anchor &nope before it'],
    ['kind: Pod\nspec:\n  containers:\n    - {name: a, image: *x}\n    - {name: b, image: &x y}\n', 'in.yaml: document 1: 4:24: the alias *x has no anchor &x before it'],
    ['kind: ConfigMap\n---\nkind: Pod\nspec: {containers: [{name: a, image: *x}]}\n', 'in.yaml: document 2: 4:38: the alias *x has no anchor &x before it'],
    ['kind: Pod\nspec: {containers: [{name: a, image: &x y}]\n', 'in.yaml: document 1: 3:1: Flow map'],
    ['kind: Pod\nspec:\n  containers:\n  - name: a\n   image: b\n', 'in.yaml: document 1: 5:1: Sequence item'],
  ];
  for (const [input, error] of cases) {
    const r = convert(input);
    t.equal(r.output, '');
    t.ok(r.errors[0]?.startsWith(error), `${r.errors[0]} starts with ${error}`);
  }
});

t.test('hahaha convert: an anchored Job converts, bad YAML exits 1 without a stack trace', async (t) => {
  const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH } }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-anchors-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'job.yaml');
  await writeFile(good, job(`        - name: main
          image: busybox
          securityContext: &hardened {runAsNonRoot: true}
        - name: vks-sidecar
          image: vks
          securityContext: *hardened
`));
  const ok = await run(['convert', '-f', good]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stderr, /vks-sidecar: moved to initContainers/);
  t.same(resolved(ok.stdout), resolved(convert(writtenOut(job(`        - name: main
          image: busybox
          securityContext: {runAsNonRoot: true}
        - name: vks-sidecar
          image: vks
          securityContext: {runAsNonRoot: true}
`))).output));
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'kind: Pod\nspec: {containers: [{name: a, image: *nope}]}\n');
  const no = await run(['convert', '-f', bad]);
  t.equal(no.code, 1);
  t.equal(no.stdout, '');
  t.equal(no.stderr, `${bad}: document 1: 2:38: the alias *nope has no anchor &nope before it\n`);
});
