// Loading a kubeconfig and the in-cluster configuration: certificate data and files (relative to
// the kubeconfig's folder, whatever the working directory), tokens and token files (re-read once a
// minute old, the last good one kept), merged files as kubectl merges $KUBECONFIG, and errors that
// name the file and the field; in-cluster from an injected environment and service account folder.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { tokenFile } from '../../src/kube/auth.ts';
import { inClusterConfig, loadKubeconfig } from '../../src/kube/config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function dir(t: Test): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hahaha-kubeconfig-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const kubeconfig = (cluster: object, user: object, more: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'dev',
  clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443/', ...cluster } }],
  users: [{ name: 'u', user }],
  contexts: [{ name: 'dev', context: { cluster: 'c', user: 'u', namespace: 'team' } }],
  ...more,
});

async function write(d: string, name: string, doc: unknown): Promise<string> {
  const path = join(d, name);
  await writeFile(path, typeof doc === 'string' ? doc : stringify(doc));
  return path;
}

t.test('certificate data, a token, the context namespace', async (t) => {
  const d = await dir(t);
  const file = await write(d, 'config', kubeconfig({ 'certificate-authority-data': b64('CA PEM'), 'tls-server-name': 'kubernetes' }, { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), token: 'abc' }));
  const c = loadKubeconfig([file]);
  t.equal(c.server, 'https://10.0.0.1:6443', 'no trailing slash');
  t.equal(c.tls.ca?.toString(), 'CA PEM');
  t.equal(c.tls.cert?.toString(), 'CERT');
  t.equal(c.tls.key?.toString(), 'KEY');
  t.equal(c.tls.servername, 'kubernetes');
  t.equal(c.tls.rejectUnauthorized, true);
  t.equal(c.namespace, 'team');
  t.same(await c.credentials.authorize(), { header: 'Bearer abc' });
  t.equal(c.source, `kubeconfig ${file} (context dev)`);
});

t.test('files are relative to the kubeconfig, not to the working directory', async (t) => {
  const d = await dir(t);
  await mkdir(join(d, 'pki'));
  await writeFile(join(d, 'pki', 'ca.crt'), 'CA FILE');
  await writeFile(join(d, 'pki', 'me.crt'), 'CERT FILE');
  await writeFile(join(d, 'pki', 'me.key'), 'KEY FILE');
  await writeFile(join(d, 'token'), 'file-token\n');
  const file = await write(d, 'config', kubeconfig({ 'certificate-authority': 'pki/ca.crt' }, { 'client-certificate': 'pki/me.crt', 'client-key': './pki/me.key', tokenFile: 'token' }));
  const cwd = process.cwd();
  process.chdir(tmpdir());
  t.teardown(() => process.chdir(cwd));
  const c = loadKubeconfig([file]);
  t.equal(c.tls.ca?.toString(), 'CA FILE');
  t.equal(c.tls.cert?.toString(), 'CERT FILE');
  t.equal(c.tls.key?.toString(), 'KEY FILE');
  t.same(await c.credentials.authorize(), { header: 'Bearer file-token' }, 'trimmed');
  t.equal(c.credentials.kind, `token file ${join(d, 'token')}`);
});

t.test('insecure-skip-tls-verify, basic auth, impersonation', async (t) => {
  const d = await dir(t);
  const file = await write(d, 'config', kubeconfig({ 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('ignored') }, { username: 'admin', password: 'pw', as: 'bob', 'as-groups': ['g1', 'g2'] }));
  const c = loadKubeconfig([file]);
  t.equal(c.tls.rejectUnauthorized, false);
  t.equal(c.tls.ca, undefined);
  t.same(await c.credentials.authorize(), { header: `Basic ${b64('admin:pw')}` });
  t.same(c.headers, { 'Impersonate-User': 'bob', 'Impersonate-Group': ['g1', 'g2'] });
});

t.test('exec and auth-provider users are handed to client-node, not refused', async (t) => {
  const d = await dir(t);
  const exec = loadKubeconfig([await write(d, 'exec', kubeconfig({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', args: ['eks', 'get-token'] } }))]);
  t.equal(exec.credentials.kind, 'exec plugin (client-node)');
  const provider = loadKubeconfig([await write(d, 'provider', kubeconfig({}, { 'auth-provider': { name: 'oidc', config: {} } }))]);
  t.equal(provider.credentials.kind, 'auth provider (client-node)');
});

t.test('merged files: the first to name a context, cluster or user wins, and the first current-context', async (t) => {
  const d = await dir(t);
  const a = await write(d, 'a', { clusters: [{ name: 'c', cluster: { server: 'https://a:6443' } }], users: [{ name: 'u', user: { token: 'from-a' } }] });
  const b = await write(d, 'b', kubeconfig({ server: 'https://b:6443' }, { token: 'from-b' }));
  const c = loadKubeconfig([a, b]);
  t.equal(c.server, 'https://a:6443');
  t.same(await c.credentials.authorize(), { header: 'Bearer from-a' });
  t.equal(loadKubeconfig([b, a]).server, 'https://b:6443');
});

t.test('errors name the file and the field', async (t) => {
  const d = await dir(t);
  t.throws(() => loadKubeconfig([join(d, 'nope')]), { message: new RegExp(`^cannot read the kubeconfig ${join(d, 'nope')}: ENOENT`) });
  const broken = await write(d, 'broken', 'clusters: [\n');
  t.throws(() => loadKubeconfig([broken]), { message: new RegExp(`^${broken}: not valid YAML`) });
  const noCurrent = await write(d, 'nocurrent', { ...kubeconfig({}, {}), 'current-context': undefined });
  t.throws(() => loadKubeconfig([noCurrent]), { message: `${noCurrent}: current-context is not set` });
  const wrongContext = await write(d, 'wrongcontext', { ...kubeconfig({}, {}), 'current-context': 'prod' });
  t.throws(() => loadKubeconfig([wrongContext]), { message: `${wrongContext}: current-context "prod" names no context in ${wrongContext}` });
  const noServer = await write(d, 'noserver', kubeconfig({ server: '' }, {}));
  t.throws(() => loadKubeconfig([noServer]), { message: `${noServer}: cluster "c": server is missing` });
  const badServer = await write(d, 'badserver', kubeconfig({ server: 'ftp://x' }, {}));
  t.throws(() => loadKubeconfig([badServer]), { message: `${badServer}: cluster "c": server ftp://x is not an http(s) URL` });
  const proxy = await write(d, 'proxy', kubeconfig({ 'proxy-url': 'http://proxy:3128' }, {}));
  t.throws(() => loadKubeconfig([proxy]), { message: `${proxy}: cluster "c": proxy-url is not supported by hahaha's Kubernetes client` });
  const missingCa = await write(d, 'missingca', kubeconfig({ 'certificate-authority': 'ca.crt' }, {}));
  t.throws(() => loadKubeconfig([missingCa]), { message: new RegExp(`^${missingCa}: cluster "c": cannot read certificate-authority ${join(d, 'ca.crt')}: ENOENT`) });
  const halfPair = await write(d, 'halfpair', kubeconfig({}, { 'client-certificate-data': b64('CERT') }));
  t.throws(() => loadKubeconfig([halfPair]), { message: `${halfPair}: user "u": client-certificate without client-key` });
  const noUser = await write(d, 'nouser', { ...kubeconfig({}, {}), users: [] });
  t.throws(() => loadKubeconfig([noUser]), { message: `${noUser}: context "dev": user "u" is not among the users of ${noUser}` });
  const unnamed = await write(d, 'unnamed', { ...kubeconfig({}, {}), clusters: [{ cluster: { server: 'https://x' } }] });
  t.throws(() => loadKubeconfig([unnamed]), { message: `${unnamed}: clusters[0] has no name` });
});

t.test('a token file is re-read once the token is a minute old; a failed re-read keeps the last token', async (t) => {
  const d = await dir(t);
  const path = join(d, 'token');
  await writeFile(path, 'one');
  let now = 0;
  const creds = tokenFile(path, { now: () => now });
  t.same(await creds.authorize(), { header: 'Bearer one' });
  await writeFile(path, 'two');
  now = 59_000;
  t.same(await creds.authorize(), { header: 'Bearer one' }, 'not yet');
  now = 60_000;
  t.same(await creds.authorize(), { header: 'Bearer two' }, 'rotated');
  await rm(path);
  now = 200_000;
  t.same(await creds.authorize(), { header: 'Bearer two' }, 'the last good token while the file is away');
  await t.rejects(tokenFile(join(d, 'never')).authorize(), { message: new RegExp(`^cannot read the token file ${join(d, 'never')}: ENOENT`) });
});

t.test('in-cluster: the service host and port, the CA, the token re-read, the namespace', async (t) => {
  const root = await dir(t);
  await writeFile(join(root, 'ca.crt'), 'CLUSTER CA');
  await writeFile(join(root, 'token'), 'sa-token-1');
  await writeFile(join(root, 'namespace'), 'hahaha\n');
  let now = 0;
  const c = inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, root, now: () => now });
  t.equal(c.server, 'https://10.96.0.1:443');
  t.equal(c.tls.ca?.toString(), 'CLUSTER CA');
  t.equal(c.tls.rejectUnauthorized, true);
  t.equal(c.namespace, 'hahaha');
  t.equal(c.source, 'in-cluster');
  t.same(await c.credentials.authorize(), { header: 'Bearer sa-token-1' });
  await writeFile(join(root, 'token'), 'sa-token-2');
  now = 61_000;
  t.same(await c.credentials.authorize(), { header: 'Bearer sa-token-2' }, 'a rotated bound token is picked up');
  t.equal(inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, root }).server, 'https://[fd00::1]:443');
  t.equal(inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '8080' }, root }).server, 'http://h:8080');
  t.throws(() => inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: 'h' }, root }), { message: 'in-cluster: KUBERNETES_SERVICE_PORT is unset' });
  await rm(join(root, 'token'));
  t.throws(() => inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, root }), { message: new RegExp(`^in-cluster: cannot read the service account's token ${root}/token: ENOENT`) });
});
