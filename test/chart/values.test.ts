// `helm lint --strict` over the default values and each mode, bad values refused at install with
// a message that says which value and why (values.schema.json, and the template checks for
// combinations a schema cannot express), and the chart README's values table as the generator
// writes it from values.yaml.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { documentedValues, renderReadme } from '../../scripts/chart-readme.ts';
import { parseMinVersion } from '../../src/core/native.ts';
import { CHART, FAKE_CA_BUNDLE, installDryRun, lint, templateRun } from './helm.ts';

const MODES: Record<string, object> = {
  'default values': {},
  certManager: { certificates: { mode: 'certManager' } },
  existingSecret: { certificates: { mode: 'existingSecret', existingSecret: { name: 'my-tls', caBundle: FAKE_CA_BUNDLE } } },
  split: { split: { enabled: true } },
  'split, existingSecret': { split: { enabled: true }, certificates: { mode: 'existingSecret', existingSecret: { name: 'my-tls', caBundle: FAKE_CA_BUNDLE } } },
  'everything on': {
    dryRun: true,
    namespaces: ['a', 'b'],
    catalog: { replace: true, sidecars: [{ name: 'x', action: 'none' }] },
    allowExec: ['/bin/kill -s * 1'],
    monitoring: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } },
    webhook: { url: 'https://127.0.0.1:9443', excludeNamespaces: ['monitoring'] },
  },
  'native sidecars on, no shutdown actions': { nativeSidecars: { mode: 'on', minVersion: '1.29' }, rbac: { shutdownActions: false } },
  'native sidecars off': { nativeSidecars: { mode: 'off', minVersion: '1.40' } },
  'admission policies off': { rbac: { admissionPolicy: { enabled: false } } },
  'exec command policy off, the deprecated way': { rbac: { execAdmissionPolicy: false } },
  'exec command policy off': { rbac: { admissionPolicy: { execCommands: false } }, allowExec: ['/bin/sh -c "kill 1"'] },
};

t.test('helm lint --strict is clean for the default values and each mode', async (t) => {
  await Promise.all(Object.entries(MODES).map(async ([name, values]) => {
    const r = await lint(values);
    t.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
    t.match(r.stdout, '1 chart(s) linted, 0 chart(s) failed');
    t.notMatch(r.stdout, /\[(WARNING|ERROR)\]/, `${name}: no warnings`);
  }));
});

// Helm 3 (v3.19) still dials the cluster on install --dry-run=client; helm template leaves NOTES.txt out.
const notesSkip = /Kubernetes cluster unreachable/.test((await installDryRun({})).stderr) ? 'this helm wants a cluster even for install --dry-run=client (Helm 3); NOTES.txt is checked with Helm 4' : false;

t.test('NOTES.txt tells what is managed, how certificates work in the mode, and how to check', { skip: notesSkip }, async (t) => {
  const notes = async (values: object): Promise<string> => {
    const r = await installDryRun(values);
    t.equal(r.code, 0, r.stderr);
    return r.stdout.slice(r.stdout.indexOf('NOTES:'));
  };
  const def = await notes({});
  t.match(def, 'Managed pods: those matching "nais.io/naisjob=true" in every namespace');
  t.match(def, '(never in kube-system, kube-public, kube-node-lease, hahaha-system)');
  t.notMatch(def, /NO ADMISSION POLICIES|deprecated/);
  t.match(def, 'Certificates: selfManaged');
  t.match(def, 'hahaha-tls');
  t.match(def, 'kubectl -n hahaha-system rollout status deployment/hahaha');
  t.notMatch(def, /DRY RUN|TEST ONLY|One replica/);
  const all = await notes({ ...MODES['everything on'], replicaCount: 1 });
  t.match(all, 'in a, b');
  t.match(all, 'kube-node-lease, hahaha-system, monitoring)');
  t.match(all, 'DRY RUN');
  t.match(all, 'TEST ONLY: the webhook configurations call https://127.0.0.1:9443');
  t.match(all, 'One replica');
  t.match(all, 'Alerts: PrometheusRule hahaha');
  t.match(await notes({ rbac: { admissionPolicy: { enabled: false } } }), 'NO ADMISSION POLICIES (rbac.admissionPolicy.enabled=false)');
  t.match(await notes({ rbac: { execAdmissionPolicy: false } }), 'rbac.execAdmissionPolicy is deprecated: use rbac.admissionPolicy.execCommands (false: the exec command policy is off).');
  t.match(await notes({ rbac: { execAdmissionPolicy: true } }), 'rbac.execAdmissionPolicy is deprecated: use rbac.admissionPolicy.execCommands.');
  t.match(await notes(MODES.certManager!), 'Certificates: certManager');
  t.match(await notes(MODES.existingSecret!), 'the Secret my-tls');
});

const BAD: [string, object, string | RegExp][] = [
  ['an unknown certificate mode', { certificates: { mode: 'bogus' } }, "at '/certificates/mode': value must be one of 'selfManaged', 'certManager', 'existingSecret'"],
  ['replicaCount as a word', { replicaCount: 'two' }, "at '/replicaCount': got string, want integer"],
  ['an unknown top-level key', { replicas: 3 }, "additional properties 'replicas' not allowed"],
  ['an unknown key in a section', { webhook: { timeout: 5 } }, "at '/webhook': additional properties 'timeout' not allowed"],
  ['a misspelt certificates key', { certificates: { mode: 'selfManaged', selfmanaged: {} } }, "additional properties 'selfmanaged' not allowed"],
  ['a webhook timeout above 30 s', { webhook: { timeoutSeconds: 31 } }, "at '/webhook/timeoutSeconds': maximum: got 31, want 30"],
  ['an unknown failure policy', { webhook: { validatingFailurePolicy: 'Deny' } }, "at '/webhook/validatingFailurePolicy': value must be one of 'Ignore', 'Fail'"],
  ['a log level hahaha does not know', { logLevel: 'verbose' }, "at '/logLevel': value must be one of 'debug', 'info', 'warn', 'error'"],
  ['a duration hahaha cannot read', { shutdownGrace: 'soon' }, /at '\/shutdownGrace': 'soon' does not match pattern/],
  ['a namespace that is no name', { namespaces: ['Team_A'] }, /at '\/namespaces\/0': 'Team_A' does not match pattern/],
  ['namespaces as a string', { namespaces: 'a,b' }, "at '/namespaces': got string, want array"],
  ['a plain-HTTP webhook url', { webhook: { url: 'http://127.0.0.1' } }, /at '\/webhook\/url': 'http:\/\/127.0.0.1' does not match pattern/],
  ['a catalog with an unknown key', { catalog: { sidecar: [] } }, "at '/catalog': additional properties 'sidecar' not allowed"],
  ['a catalog entry without an action', { catalog: { sidecars: [{ name: 'x' }] } }, "at '/catalog/sidecars/0': missing property 'action'"],
  ['a digest that is not sha256', { image: { digest: 'latest' } }, /at '\/image\/digest': 'latest' does not match pattern/],
  ['existingSecret without a name', { certificates: { mode: 'existingSecret', existingSecret: { caBundle: FAKE_CA_BUNDLE } } }, 'certificates.mode existingSecret needs certificates.existingSecret.name'],
  ['existingSecret without a caBundle', { certificates: { mode: 'existingSecret', existingSecret: { name: 'my-tls' } } }, 'certificates.mode existingSecret needs certificates.existingSecret.caBundle'],
  ['a caBundle that is not a PEM certificate', { certificates: { mode: 'existingSecret', existingSecret: { name: 'my-tls', caBundle: Buffer.from('hello').toString('base64') } } }, 'certificates.existingSecret.caBundle must be base64 of a PEM CA certificate'],
  ['a caBundle that is not base64', { certificates: { mode: 'existingSecret', existingSecret: { name: 'my-tls', caBundle: '-----BEGIN CERTIFICATE-----' } } }, /at '\/certificates\/existingSecret\/caBundle': .* does not match pattern/],
  ['a caBundle in another mode', { certificates: { mode: 'selfManaged', existingSecret: { caBundle: FAKE_CA_BUNDLE } } }, 'certificates.existingSecret.caBundle is set but certificates.mode is selfManaged'],
  ['an issuerRef in another mode', { certificates: { mode: 'existingSecret', existingSecret: { name: 'my-tls', caBundle: FAKE_CA_BUNDLE }, certManager: { issuerRef: { name: 'x' } } } }, 'certificates.certManager.issuerRef is set but certificates.mode is existingSecret'],
  ['an unknown native sidecars mode', { nativeSidecars: { mode: 'maybe' } }, /at '\/nativeSidecars\/mode': value must be one of 'auto', 'on', 'off'/],
  ['a native min version below 1.29', { nativeSidecars: { minVersion: '1.28' } }, /at '\/nativeSidecars\/minVersion': '1\.28' does not match pattern/],
  ['a native min version with a patch number', { nativeSidecars: { minVersion: '1.33.1' } }, /at '\/nativeSidecars\/minVersion': '1\.33\.1' does not match pattern/],
  ['a native min version with a v', { nativeSidecars: { minVersion: 'v1.33' } }, /at '\/nativeSidecars\/minVersion': 'v1\.33' does not match pattern/],
  ['a native min version as a number (1.30 would read as 1.3)', { nativeSidecars: { minVersion: 1.33 } }, "at '/nativeSidecars/minVersion': got number, want string"],
  ['an unknown nativeSidecars key', { nativeSidecars: { enabled: true } }, "at '/nativeSidecars': additional properties 'enabled' not allowed"],
  ['rbac.shutdownActions as a word', { rbac: { shutdownActions: 'never' } }, "at '/rbac/shutdownActions': got string, want boolean"],
  ['an unknown rbac key', { rbac: { create: false } }, "at '/rbac': additional properties 'create' not allowed"],
  ['an unknown admissionPolicy key', { rbac: { admissionPolicy: { exec: false } } }, "at '/rbac/admissionPolicy': additional properties 'exec' not allowed"],
  ['admissionPolicy.enabled as a word', { rbac: { admissionPolicy: { enabled: 'always' } } }, "at '/rbac/admissionPolicy/enabled': got string, want boolean"],
  ['an excluded namespace that is no name (it goes into CEL)', { webhook: { excludeNamespaces: ['kube-system"]'] } }, /at '\/webhook\/excludeNamespaces\/0': .* does not match pattern/],
  ['an issuerRef of an unknown kind', { certificates: { mode: 'certManager', certManager: { issuerRef: { name: 'x', kind: 'Vault' } } } }, "at '/certificates/certManager/issuerRef/kind': value must be one of 'Issuer', 'ClusterIssuer'"],
];

t.test('bad values fail with a message that names the value and what is wrong', async (t) => {
  await Promise.all(BAD.map(async ([what, values, message]) => {
    const r = await templateRun(values);
    t.not(r.code, 0, `${what}: refused`);
    t.match(r.stderr, message, `${what}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
    t.equal(r.stdout, '', 'nothing rendered');
  }));
});

t.test("nativeSidecars.minVersion: every version the schema takes, hahaha's --native-min-version takes; both refuse below 1.29", async (t) => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as { properties: { nativeSidecars: { properties: { minVersion: { pattern: string } } } } };
  const pattern = new RegExp(schema.properties.nativeSidecars.properties.minVersion.pattern);
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { nativeSidecars: { minVersion: string } };
  t.match(values.nativeSidecars.minVersion, pattern, 'the default fits the schema');
  for (const v of ['1.0', '1.9', '1.2', '1.28', '1.29', '1.30', '1.33', '1.35', '1.99', '1.100', '1.290', '1.1000', 'v1.33', '1.33.0', '1', '1.', '01.33', ' 1.33']) {
    if (pattern.test(v)) t.ok(parseMinVersion(v).ok, `${v}: the schema takes it, and so does hahaha`);
    else t.pass(`${v}: the schema refuses it`);
  }
  for (const v of ['1.28', '1.2', '1.9']) t.notOk(parseMinVersion(v).ok || pattern.test(v), `${v}: below 1.29, refused by both`);
  for (const v of ['1.29', '1.33', '1.100']) t.ok(parseMinVersion(v).ok && pattern.test(v), `${v}: taken by both`);
});

t.test('values.yaml satisfies its own schema and documents every value; values.schema.json knows every key of values.yaml', async (t) => {
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Schema;
  interface Schema { properties?: Record<string, Schema>; additionalProperties?: boolean | Schema }
  const walk = (v: unknown, s: Schema | undefined, path: string): void => {
    if (!s) return void t.fail(`${path} is not in values.schema.json`);
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !s.properties) return;
    for (const [k, child] of Object.entries(v)) walk(child, s.properties[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined), `${path}.${k}`);
  };
  walk(values, schema, 'values');
  const docs = documentedValues(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
  t.ok(docs.length > 40, `${docs.length} documented values`);
  for (const key of ['selector', 'namespaces', 'catalog', 'allowExec', 'dryRun', 'shutdownGrace', 'maxAttempts', 'logLevel', 'certificates.mode', 'image.repository', 'image.tag', 'replicaCount', 'webhook.url', 'monitoring.prometheusRule.awaitingShutdownSeconds', 'nativeSidecars.mode', 'nativeSidecars.minVersion', 'rbac.shutdownActions', 'rbac.admissionPolicy.enabled', 'rbac.admissionPolicy.execCommands', 'webhook.excludeNamespaces']) {
    t.ok(docs.find((d) => d.key === key)?.description, `${key} is documented`);
  }
});

t.test('the chart README is the generator output, and the generator refuses undocumented values', async (t) => {
  const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
  const values = readFileSync(join(CHART, 'values.yaml'), 'utf8');
  t.equal(renderReadme(readme, values), readme, 'charts/hahaha/README.md is up to date (npm run chart:readme)');
  t.match(readme, '| `certificates.mode` | string | `"selfManaged"` |');
  t.match(readme, '| `image.tag` | string | the chart\'s appVersion |');

  t.throws(() => documentedValues('# -- documented\na: 1\nb: 2\nc:\n  d: 3\n'), /no "# -- description" comment above b, c\.d/);
  const table = renderReadme(`x\n<!-- values:begin (generated by npm run chart:readme from values.yaml; do not edit) -->\nold\n<!-- values:end -->\ny\n`,
    '# not a description\n\n# -- Multi-line\n# description | with a pipe.\n# @default -- computed\nkey: v\nmap:\n  # -- a whole map\n  inner: {a: 1}\n');
  t.equal(table, [
    'x',
    '<!-- values:begin (generated by npm run chart:readme from values.yaml; do not edit) -->',
    '| Key | Type | Default | Description |',
    '|-----|------|---------|-------------|',
    '| `key` | string | computed | Multi-line description \\| with a pipe. |',
    '| `map.inner` | object | `{"a":1}` | a whole map |',
    '<!-- values:end -->',
    'y',
    '',
  ].join('\n'));
  t.throws(() => renderReadme('no markers', 'a: 1'), /expected the markers/);
});

t.test('files/builtin-exec.json is exactly the built-in catalog\'s exec steps (the exec admission policy renders from it)', async (t) => {
  const { BUILTIN_CATALOG } = await import('../../src/core/catalog.ts');
  const expected = BUILTIN_CATALOG.flatMap((e) => e.action.flatMap((s) => (s.kind === 'exec' ? [[...s.argv]] : [])));
  t.same(JSON.parse(readFileSync(join(CHART, 'files', 'builtin-exec.json'), 'utf8')), expected, `write ${JSON.stringify(expected)} to charts/hahaha/files/builtin-exec.json`);
});

t.test('namespaces never include kube-system, kube-public, kube-node-lease, the release namespace or webhook.excludeNamespaces; an unrenderable allowExec is refused by name', async (t) => {
  for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'hahaha-system', 'monitoring']) {
    const r = await templateRun({ namespaces: ['team-a', ns], webhook: { excludeNamespaces: ['monitoring'] } });
    t.not(r.code, 0);
    t.match(r.stderr, `namespaces: "${ns}" is never managed: hahaha gets no exec, port-forward or pod updates in kube-system, kube-public, kube-node-lease, hahaha-system, monitoring`);
  }
  const q = await templateRun({ allowExec: ['/bin/sh -c "x"'] });
  t.match(q.stderr, /allowExec: .* has quotes or backslashes/);
});
