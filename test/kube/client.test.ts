// The kube client against a loopback HTTPS apiserver: JSON both ways with the credentials and the
// query, the CA verified, client certificates presented, one kept-alive connection for many calls,
// a refused call as an ApiError with the status as `code` and the Status's message, the deadline
// of every call, patch content types, and WebSocket options.

import t from 'tap';
import { deadline, describeError, statusOf } from '../../src/controller/api.ts';
import { bearerToken, pluginCredentials } from '../../src/kube/auth.ts';
import { type CallRecord, KubeClient, apiPath, resourceOf } from '../../src/kube/client.ts';
import { ApiError } from '../../src/kube/errors.ts';
import { fakeApiserver, json, status } from './apiserver.ts';

t.test('a GET sends the token and the query, and gives back the JSON', async (t) => {
  const api = await fakeApiserver(t, (_req, res) => json(res, 200, { kind: 'PodList', items: [{ metadata: { name: 'p', creationTimestamp: '2026-12-02T10:00:00Z' } }] }));
  const client = new KubeClient(api.config(bearerToken('s3cret')));
  t.teardown(() => client.close());
  const list = await client.get<{ items: { metadata: { creationTimestamp: unknown } }[] }>(apiPath`/api/v1/namespaces/${'team a'}/pods`, { ...deadline(5000), query: { labelSelector: 'app=x,tier in (a,b)', limit: 5, skipped: undefined } });
  t.equal(list.items[0]?.metadata.creationTimestamp, '2026-12-02T10:00:00Z', 'times stay strings: raw JSON, no serializer');
  const seen = api.seen[0]!;
  t.equal(seen.method, 'GET');
  t.equal(seen.url.pathname, '/api/v1/namespaces/team%20a/pods', 'path segments are encoded');
  t.equal(seen.url.searchParams.get('labelSelector'), 'app=x,tier in (a,b)');
  t.equal(seen.url.searchParams.get('limit'), '5');
  t.notOk(seen.url.searchParams.has('skipped'), 'undefined parameters are left out');
  t.equal(seen.headers.authorization, 'Bearer s3cret');
  t.equal(seen.headers.accept, 'application/json');
});

t.test('each call is reported with its method, resource, status and time; a watch as WATCH, timed to its head', async (t) => {
  const api = await fakeApiserver(t, (req, res) => {
    if (req.url?.includes('watch=true')) return json(res, 200, { type: 'BOOKMARK' });
    if (req.url?.startsWith('/slow')) return void setTimeout(() => json(res, 200, {}), 60);
    if (req.method === 'POST') return json(res, 409, status(409, 'AlreadyExists', 'exists'));
    return json(res, 200, {});
  });
  const calls: CallRecord[] = [];
  const client = new KubeClient(api.config(), { observe: (c) => calls.push(c) });
  t.teardown(() => client.close());
  await client.get(apiPath`/api/v1/namespaces/${'ns'}/pods`, deadline(5000));
  await t.rejects(client.create('/apis/events.k8s.io/v1/namespaces/ns/events', {}, deadline(5000)), ApiError);
  await client.get('/slow', deadline(5000));
  await t.rejects(client.get('/slow', deadline(10)), { name: 'TimeoutError' });
  (await client.open('/api/v1/pods', { watch: true }, AbortSignal.timeout(5000))).destroy();
  t.same(calls.map((c) => [c.method, c.resource, c.code]), [
    ['GET', 'pods', 200],
    ['POST', 'events', 409],
    ['GET', 'slow', 200],
    ['GET', 'slow', 0],
    ['WATCH', 'pods', 200],
  ], 'a refused call has its status; one cut off by its deadline has none (0); a watch is one request to the apiserver');
  t.ok((calls[2]?.seconds ?? 0) >= 0.05, `the time is until the answer was read (${calls[2]?.seconds} s)`);
});

t.test('resourceOf names the resource of a path, as a bounded label', async (t) => {
  t.same(
    [
      '/api/v1/namespaces/ns/pods/p',
      '/api/v1/pods?watch=true',
      '/api/v1/namespaces/ns/pods',
      '/api/v1/namespaces/ns',
      '/api/v1/namespaces',
      '/api/v1/namespaces/ns/pods/p/eviction',
      '/apis/events.k8s.io/v1/namespaces/ns/events/e',
      '/apis/events.k8s.io/v1/events',
      '/apis/coordination.k8s.io/v1/namespaces/hahaha/leases/hahaha',
      '/api/v1/nodes/n',
      '/version',
      '/',
    ].map(resourceOf),
    ['pods', 'pods', 'pods', 'namespaces', 'namespaces', 'pods/eviction', 'events', 'events', 'leases', 'nodes', 'version', ''],
  );
});

t.test('a body read in chunks that split multi-byte characters comes back whole', async (t) => {
  const text = JSON.stringify({ message: 'Æ😀é'.repeat(5000) });
  const bytes = Buffer.from(text);
  const api = await fakeApiserver(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Odd-sized writes, each flushed on its own: most of them cut a character in two.
    let at = 0;
    const next = (): void => {
      if (at >= bytes.length) return void res.end();
      res.write(bytes.subarray(at, (at += 997)), () => setImmediate(next));
    };
    next();
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  t.equal((await client.get<{ message: string }>('/x', deadline(5000))).message, 'Æ😀é'.repeat(5000));
});

t.test('create, replace and patch send JSON bodies with their content types', async (t) => {
  const api = await fakeApiserver(t, (_req, res, seen) => json(res, seen.method === 'POST' ? 201 : 200, JSON.parse(seen.body) as unknown));
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  t.same(await client.create('/x', { a: 1 }, deadline(5000)), { a: 1 });
  await client.replace('/x', { b: 2 }, deadline(5000));
  await client.patch('/x', { c: 3 }, deadline(5000, undefined, { 'Content-Type': 'application/merge-patch+json' }));
  await client.patch('/x', [{ op: 'add', path: '/d', value: 4 }], deadline(5000, undefined, { 'content-type': 'application/json-patch+json' }));
  t.same(api.seen.map((s) => [s.method, s.headers['content-type'], s.body]), [
    ['POST', 'application/json', '{"a":1}'],
    ['PUT', 'application/json', '{"b":2}'],
    ['PATCH', 'application/merge-patch+json', '{"c":3}'],
    ['PATCH', 'application/json-patch+json', '[{"op":"add","path":"/d","value":4}]'],
  ]);
  await t.rejects(client.patch('/x', {}, deadline(5000)), /PATCH \/x: the Content-Type must be one of application\/merge-patch\+json/, 'a patch without a patch type is not sent');
  t.equal(api.seen.length, 4);
});

t.test('calls share one kept-alive connection', async (t) => {
  const api = await fakeApiserver(t);
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  for (let i = 0; i < 5; i++) await client.get('/version', deadline(5000));
  t.equal(api.connections, 1);
});

t.test('a refused call is an ApiError: the status as code, the Status message in one line', async (t) => {
  const api = await fakeApiserver(t, (_req, res, seen) => {
    if (seen.url.pathname.endsWith('/missing')) json(res, 404, status(404, 'NotFound', 'leases.coordination.k8s.io "missing" not found'));
    else if (seen.url.pathname.endsWith('/conflict')) json(res, 409, status(409, 'Conflict', 'Operation cannot be fulfilled on leases.coordination.k8s.io "hahaha": the object has been modified; please apply your changes to the latest version and try again'));
    else {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('upstream\nconnect error');
    }
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const missing = await client.get('/apis/coordination.k8s.io/v1/namespaces/ns/leases/missing', deadline(5000)).catch((e: unknown) => e);
  t.ok(missing instanceof ApiError);
  t.equal(statusOf(missing), 404);
  t.equal((missing as ApiError).statusCode, 404);
  t.equal((missing as ApiError).reason, 'NotFound');
  t.equal((missing as ApiError).body?.message, 'leases.coordination.k8s.io "missing" not found');
  t.equal((missing as ApiError).request, 'GET /apis/coordination.k8s.io/v1/namespaces/ns/leases/missing');
  t.equal(describeError(missing), 'HTTP 404 NotFound: leases.coordination.k8s.io "missing" not found');
  const conflict = await client.replace('/apis/coordination.k8s.io/v1/namespaces/ns/leases/conflict', {}, deadline(5000)).catch((e: unknown) => e);
  t.equal(statusOf(conflict), 409);
  t.match(describeError(conflict), /^HTTP 409 Conflict: Operation cannot be fulfilled/);
  const down = await client.get('/other', deadline(5000)).catch((e: unknown) => e);
  t.equal(statusOf(down), 503);
  t.equal(describeError(down), 'HTTP 503 Service Unavailable: upstream connect error', 'a body that is no Status, on one line');
});

t.test('every call has a deadline: a hung apiserver answers "no answer in time", and the caller\'s signal aborts too', async (t) => {
  const api = await fakeApiserver(t, () => undefined);
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  const started = Date.now();
  const err = await client.get('/hang', deadline(150)).catch((e: unknown) => e);
  t.equal((err as Error).name, 'TimeoutError');
  t.equal(describeError(err), 'no answer in time');
  t.ok(Date.now() - started < 2000, `aborted after ${Date.now() - started} ms`);
  const abort = new AbortController();
  setTimeout(() => abort.abort(new Error('no longer the leader')), 50);
  await t.rejects(client.get('/hang', deadline(10_000, abort.signal)), /no longer the leader/);
  const aborted = new AbortController();
  aborted.abort(new Error('already'));
  await t.rejects(client.get('/hang', deadline(10_000, aborted.signal)), /already/, 'an aborted signal sends nothing');
  t.equal(api.seen.length, 2);
});

t.test('a deadline covers the body too: headers then silence', async (t) => {
  const api = await fakeApiserver(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"items": [');
  });
  const client = new KubeClient(api.config());
  t.teardown(() => client.close());
  await t.rejects(client.get('/slow', deadline(150)), { name: 'TimeoutError' });
});

t.test('the CA is verified, and a client certificate is presented', async (t) => {
  const api = await fakeApiserver(t, (_req, res) => json(res, 200, {}));
  const stranger = new KubeClient({ ...api.config(), tls: { rejectUnauthorized: true } });
  t.teardown(() => stranger.close());
  await t.rejects(stranger.get('/version', deadline(5000)), /self-signed|unable to verify|certificate/i, 'the system CAs do not trust the test CA');
  const insecure = new KubeClient({ ...api.config(), tls: { rejectUnauthorized: false } });
  t.teardown(() => insecure.close());
  t.same(await insecure.get('/version', deadline(5000)), {}, 'insecure-skip-tls-verify');
  const withCert = new KubeClient(api.config(undefined, { tls: { rejectUnauthorized: true, ca: Buffer.from(api.ca.cert), cert: Buffer.from(api.client.cert), key: Buffer.from(api.client.key) } }));
  t.teardown(() => withCert.close());
  await withCert.get('/version', deadline(5000));
  t.equal(api.seen.at(-1)?.clientCN, 'jane');
});

t.test('impersonation headers go with every request and with WebSockets', async (t) => {
  const api = await fakeApiserver(t);
  const client = new KubeClient(api.config(bearerToken('tok'), { headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': ['a', 'b'] } }));
  t.teardown(() => client.close());
  await client.get('/version', deadline(5000));
  t.equal(api.seen[0]?.headers['impersonate-user'], 'bob');
  t.same(api.seen[0]?.headers['impersonate-group'], 'a, b');
  const ws = await client.socketOptions();
  t.same(ws.headers, { 'Impersonate-User': 'bob', 'Impersonate-Group': ['a', 'b'], Authorization: 'Bearer tok' });
  t.equal(ws.rejectUnauthorized, true);
  t.equal((await client.socketOptions()).secureContext, ws.secureContext, 'one TLS context (the CA and client certificate) for every socket');
});

t.test('a user with an exec plugin gets its token from client-node, loaded on the first request', async (t) => {
  const api = await fakeApiserver(t);
  const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-the-plugin' } });
  const creds = pluginCredentials({ name: 'plugin-user', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`] } });
  const client = new KubeClient(api.config(creds));
  t.teardown(() => client.close());
  // Loading all of client-node under tap's loaders takes seconds.
  await client.get('/version', deadline(50_000));
  t.equal(api.seen[0]?.headers.authorization, 'Bearer from-the-plugin');
});
