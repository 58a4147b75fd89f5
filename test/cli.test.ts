// The `hahaha` command as a user runs it: a real process per call. Help, flag and env errors,
// `explain` in both formats with its exit status, `certs`, and `serve` stopping on SIGTERM.

import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { fixture } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }
const hahaha = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> =>
  new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, ...opts.env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(opts.input ?? '');
  });

t.test('--help lists the commands; each command\'s --help lists every flag with its env variable', async (t) => {
  const top = await hahaha(['--help']);
  t.equal(top.code, 0);
  t.match(top.stdout, /serve .*\n.*explain .*\n.*certs /s);
  const serve = await hahaha(['serve', '--help']);
  t.equal(serve.code, 0);
  for (const flag of ['--port', '--metrics-port', '--cert-file', '--key-file', '--selector', '--catalog', '--allow-exec', '--no-controller', '--kubeconfig', '--log-level', '--namespaces', '--shutdown-grace', '--dry-run', '--lease-namespace']) {
    t.match(serve.stdout, flag, `serve --help names ${flag}`);
  }
  t.match(serve.stdout, 'env HAHAHA_METRICS_PORT');
  t.match(serve.stdout, 'default 8443');
  t.match((await hahaha(['explain', '--help'])).stdout, '-f, --filename FILE');
  t.match((await hahaha(['certs', '--help'])).stdout, '--host NAME');
});

t.test('usage mistakes get one clear line and exit status 2', async (t) => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['frobnicate'], {}, /unknown command "frobnicate"/],
    [['serve', '--prot', '1'], {}, /Unknown option '--prot'/],
    [['serve', '--port', 'https'], {}, /--port: expected a port number 0\.\.65535, got "https"/],
    [['serve', '--no-controller'], { HAHAHA_PORT: '99999' }, /HAHAHA_PORT \(for --port\): expected a port number 0\.\.65535, got "99999"/],
    [['serve', '--no-controller', '--cert-file', 'x'], {}, /serve needs --cert-file and --key-file/],
    [['serve', '--cert-file', 'x', '--key-file', 'y', '--shutdown-grace', 'soon'], {}, /--shutdown-grace: expected a duration such as 30s, 2m or 500ms, got "soon"/],
    [['serve', '--cert-file', 'x', '--key-file', 'y'], { HAHAHA_MAX_ATTEMPTS: 'many' }, /HAHAHA_MAX_ATTEMPTS \(for --max-attempts\): expected a whole number, got "many"/],
    [['serve', '--no-controller', '--cert-file', '/nonexistent/c', '--key-file', '/nonexistent/k'], {}, /cannot read the certificate \/nonexistent\/c: ENOENT/],
    [['serve', '--no-controller', '--log-level', 'loud', '--cert-file', 'x', '--key-file', 'y'], {}, /--log-level: expected one of debug, info, warn, error, got "loud"/],
    [['explain', '-f', fixture('pods/naisjob.yaml'), '--selector', 'a in (b'], {}, /--selector: selector "a in \(b": expected "key"/],
    [['explain', '-f', fixture('pods/naisjob.yaml'), '--allow-exec', 'rm "-rf'], {}, /--allow-exec "rm \\"-rf": expected a closing double quote/],
    [['explain', '-f', fixture('pods/naisjob.yaml'), '--catalog', '/nonexistent.yaml'], {}, /--catalog: cannot read \/nonexistent\.yaml: ENOENT/],
    [['explain', '-f', '/nonexistent.yaml'], {}, /cannot read \/nonexistent\.yaml: ENOENT/],
    [['explain'], {}, /explain needs -f FILE/],
    [['certs', '--out', '/tmp/x'], {}, /certs needs at least one --host/],
    [['serve', '--no-controller', '--native-sidecars', 'maybe', '--cert-file', 'x', '--key-file', 'y'], {}, /--native-sidecars: expected one of auto, on, off, got "maybe"/],
    [['serve', '--no-controller', '--cert-file', 'x', '--key-file', 'y'], { HAHAHA_NATIVE_MIN_VERSION: '1.28' }, /--native-min-version: native sidecars are on by default only from 1\.29; got 1\.28 \(allowed: 1\.29 and later\)/],
    [['serve', '--no-controller', '--native-min-version', 'latest', '--cert-file', 'x', '--key-file', 'y'], {}, /--native-min-version: expected a Kubernetes version MAJOR\.MINOR such as 1\.33, got "latest"/],
    // Zero values: refused at startup with the flag and the allowed range (0 hung or did nothing).
    [['serve', '--cert-file', 'x', '--key-file', 'y', '--concurrency', '0'], {}, /--concurrency: must be from 1 to 1000, got 0/],
    [['serve', '--cert-file', 'x', '--key-file', 'y', '--max-attempts', '0'], {}, /--max-attempts: must be from 1 to 100, got 0/],
    [['serve', '--cert-file', 'x', '--key-file', 'y', '--step-timeout', '0s'], {}, /--step-timeout: must be from 100ms to 10m, got "0s"/],
    [['serve', '--cert-file', 'x', '--key-file', 'y'], { HAHAHA_SHUTDOWN_GRACE: '0' }, /HAHAHA_SHUTDOWN_GRACE \(for --shutdown-grace\): must be from 1s to 1h, got "0"/],
  ];
  for (const [args, env, message] of cases) {
    const r = await hahaha(args, { env });
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, message, `${args.join(' ')}: message`);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('explain shows the plan of a Naisjob pod', async (t) => {
  const r = await hahaha(['explain', '-f', fixture('pods/naisjob.yaml')]);
  t.equal(r.code, 0);
  t.match(r.stdout, 'Pod team-data/dataloader-29384756- (Pod): managed, labels match the selector nais.io/naisjob=true');
  t.match(r.stdout, 'Main containers: dataloader (from the app label)');
  t.match(r.stdout, /cloudsql-proxy\s+POST :9091\/quitquitquit\s+from the catalog/);
  t.match(r.stdout, /vks-sidecar\s+exec \/bin\/kill -s INT 1\s+from the catalog/);
  t.match(r.stdout, 'config.linkerd.io/proxy-admin-shutdown: enabled');
});

t.test('explain -o json gives every action in its canonical text', async (t) => {
  const r = await hahaha(['explain', '-o', 'json', '-f', fixture('pods/multi-main.yaml')]);
  t.equal(r.code, 0);
  const report = JSON.parse(r.stdout) as { mainContainers: string[]; sidecars: unknown[]; allowed: boolean };
  t.same(report.mainContainers, ['extract', 'load']);
  t.same(report.sidecars, [{ name: 'daprd', action: 'POST :3501/v1.0/shutdown || exec /bin/kill -s INT 1', source: 'annotation' }]);
  t.equal(report.allowed, true);
});

t.test('explain exits 1 with the validating webhook\'s message when the pod would be denied', async (t) => {
  const text = await hahaha(['explain', '-f', fixture('pods/bad-annotations.yaml')]);
  t.equal(text.code, 1);
  t.match(text.stdout, 'Denied by the validating webhook:');
  t.match(text.stdout, '- shutdown.hahaha.nais.io/metrics-exporter: expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "kill it please"');
  const json = await hahaha(['explain', '-o', 'json', '-f', fixture('pods/bad-annotations.yaml')]);
  t.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as { denial: string };
  t.match(report.denial, /^shutdown\.hahaha\.nais\.io\/bad: .*; shutdown\.hahaha\.nais\.io\/ghost: /);
  const allowed = await hahaha(['explain', '-f', fixture('pods/bad-annotations.yaml'), '--allow-exec', '/bin/sh -c *']);
  t.notMatch(allowed.stdout, '- shutdown.hahaha.nais.io/log-shipper:', '--allow-exec widens the policy');
  t.match(text.stdout, /metrics-exporter\s+\(invalid\)\s+from its annotation/);
});

t.test('explain reads standard input, and a Job\'s or CronJob\'s pod template', async (t) => {
  const job = JSON.stringify({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'ns' },
    spec: { jobTemplate: { spec: { template: {
      metadata: { labels: { 'nais.io/naisjob': 'true', app: 'nightly' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'nightly', image: 'x' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1' }] },
    } } } },
  });
  const r = await hahaha(['explain', '-o', 'json', '-f', '-'], { input: job });
  t.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { from: string; sidecars: { action: string }[] };
  t.equal(report.from, "CronJob's pod template");
  t.equal(report.sidecars[0]?.action, 'POST :15020/quitquitquit');
  const bad = await hahaha(['explain', '-f', '-'], { input: 'a: [' });
  t.equal(bad.code, 2);
  t.match(bad.stderr, 'standard input is not valid YAML or JSON');
  const notPod = await hahaha(['explain', '-f', '-'], { input: 'kind: ConfigMap\ndata: {}' });
  t.match(notPod.stderr, 'standard input: expected a Pod, or an object with a pod template');
});

t.test('explain with a catalog file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const catalog = join(dir, 'catalog.yaml');
  await writeFile(catalog, 'sidecars:\n  - name: metrics-exporter\n    action: POST :9102/quit\n');
  const r = await hahaha(['explain', '-o', 'json', '-f', fixture('pods/sidecars-with-trouble.yaml'), '--catalog', catalog]);
  t.match(JSON.parse(r.stdout), { sidecars: [{}, {}, {}, { name: 'metrics-exporter', action: 'POST :9102/quit', source: 'catalog' }] });
  await writeFile(catalog, 'sidecars:\n  - name: x\n    action: POST 9102/quit\n');
  const bad = await hahaha(['explain', '-f', fixture('pods/naisjob.yaml'), '--catalog', catalog]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, `--catalog: ${catalog}: sidecars[0].action: expected ":<port>" after the method at column 6, got "9102/quit"`);
});

t.test('certs writes a CA and a serving certificate for the hosts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-certs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await hahaha(['certs', '--host', '127.0.0.1', '--host', 'hahaha.hahaha.svc', '--out', dir]);
  t.equal(r.code, 0, r.stderr);
  const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
  const leaf = new X509Certificate(await readFile(join(dir, 'tls.crt')));
  t.ok(ca.ca, 'ca.crt is a CA');
  t.ok(leaf.verify(ca.publicKey), 'tls.crt is signed by ca.crt');
  t.ok(leaf.checkIP('127.0.0.1'));
  t.equal(leaf.checkHost('hahaha.hahaha.svc'), 'hahaha.hahaha.svc');
  t.equal((await stat(join(dir, 'tls.key'))).mode & 0o777, 0o600, 'keys are readable by the owner only');
  t.equal((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600);
});

t.test('serve with no cluster configuration says where it looked and exits 2 (no retrying http://localhost:8080 forever)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-nokube-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await hahaha(['certs', '--host', '127.0.0.1', '--out', dir]);
  const certs = ['--cert-file', join(dir, 'tls.crt'), '--key-file', join(dir, 'tls.key'), '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1'];
  const r = await hahaha(['serve', ...certs], { env: { HOME: dir } });
  t.equal(r.code, 2);
  t.match(r.stderr, `no cluster configuration found: no --kubeconfig, not in a cluster (KUBERNETES_SERVICE_HOST is unset), $KUBECONFIG is unset, and ${join(dir, '.kube', 'config')} does not exist`);
  t.match(r.stderr, 'to serve the webhooks only: --no-controller --native-sidecars on|off');
  const missing = await hahaha(['serve', ...certs], { env: { HOME: dir, KUBECONFIG: join(dir, 'nope.yaml') } });
  t.match(missing.stderr, `none of $KUBECONFIG (${join(dir, 'nope.yaml')}) exists`);
});

t.test('serve --no-controller serves HTTPS and stops cleanly on SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await hahaha(['certs', '--host', '127.0.0.1', '--out', dir]);
  const child = spawn(process.execPath, [MAIN, 'serve', '--no-controller', '--native-sidecars', 'off', '--port', '0', '--metrics-port', '0', '--address', '127.0.0.1',
    '--cert-file', join(dir, 'tls.crt'), '--key-file', join(dir, 'tls.key')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /"port":(\d+),"metricsPort"/.exec(logs);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`serve exited early: ${logs}`)));
  });
  const ca = await readFile(join(dir, 'ca.crt'));
  const status = await new Promise<number>((resolve, reject) =>
    request({ host: '127.0.0.1', port, path: '/readyz', ca }, (res) => resolve(res.statusCode ?? 0)).on('error', reject).end(),
  );
  t.equal(status, 200);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit status 0 after SIGTERM');
  for (const line of logs.trim().split('\n')) t.doesNotThrow(() => void JSON.parse(line), `log line is JSON: ${line.slice(0, 60)}`);
  t.match(logs, '"msg":"shutting down"');
  t.match(logs, '"msg":"stopped"');
});

t.test('convert prints manifests with native sidecars, from files or standard input, and never writes a file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-convert-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const job = join(dir, 'job.yaml');
  const original = await readFile(fixture('manifests/job.yaml'));
  await writeFile(job, original);
  const mtime = (await stat(job)).mtimeMs;

  const r = await hahaha(['convert', '-f', job, '-f', fixture('manifests/multi.yaml')]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /initContainers:\n {8}- name: migrate # runs to completion first\n[^]*- name: cloudsql-proxy # moved by convert\n[^]* {10}restartPolicy: Always\n/);
  const { parseAllDocuments } = await import('yaml');
  t.same(parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind?: string } | null)?.kind ?? null), ['Job', 'ConfigMap', 'Job', null, 'Pod'], 'both files, in order');
  t.match(r.stderr, `${job}: document 1 (Job dataloader): cloudsql-proxy: moved to initContainers (restartPolicy: Always)\n`);
  t.match(r.stderr, /multi\.yaml: document 4 \(Pod opted-out\): not converted: the pod opts out/);
  t.notMatch(r.stdout, 'moved to initContainers', 'notes go to standard error only');
  t.same(await readFile(job), original, 'the input file is not written');
  t.equal((await stat(job)).mtimeMs, mtime);

  const once = await hahaha(['convert', '-f', job]);
  const again = await hahaha(['convert', '-f', '-'], { input: once.stdout });
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout, once.stdout, 'converting the output again changes nothing');
  t.match(again.stderr, 'standard input: document 1 (Job dataloader): metrics-exporter: stays in containers: unknown sidecar');
  const json = await hahaha(['convert', '-f', '-'], { input: await readFile(fixture('manifests/job.json'), 'utf8') });
  t.match(JSON.parse(json.stdout), { spec: { template: { spec: { initContainers: [{ name: 'vks-sidecar', restartPolicy: 'Always' }] } } } });

  const bad = await hahaha(['convert', '-f', job, '-f', fixture('manifests/bad.yaml')]);
  t.equal(bad.code, 1);
  t.equal(bad.stdout, '', 'nothing is printed when any manifest is bad');
  t.match(bad.stderr, /bad\.yaml: document 2: spec\.template\.spec\.containers\[1\]: has no name\n.*bad\.yaml: document 3: spec\.jobTemplate\.spec\.template\.spec\.containers: is not a list\n/);
  for (const [args, message] of [[[], /convert needs -f FILE/], [['-f', '/nonexistent.yaml'], /cannot read \/nonexistent\.yaml: ENOENT/]] as const) {
    const usage = await hahaha(['convert', ...args]);
    t.equal(usage.code, 2);
    t.match(usage.stderr, message);
  }
  const help = await hahaha(['convert', '--help']);
  for (const flag of ['-f, --filename FILE', '--catalog FILE', '--allow-exec COMMAND']) t.match(help.stdout, flag);
});
