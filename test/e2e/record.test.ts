// hahaha's record of a pod (state.hahaha.nais.io/v1) on the real apiserver, and what it changes:
// - the record is an exclusive write: the JSON patch's test of the old record (or of its absence)
//   is what the apiserver's evanphx/json-patch does, and a write that lost its race is told apart
//   from any other failure;
// - a sidecar hahaha gave up on stays given up after every Event about it has expired: with a
//   second kube-apiserver on the same etcd whose --event-ttl is 15 s (the rest of the suite keeps
//   the default hour), a hahaha talking to it gives up on a stubborn sidecar, its Events expire,
//   and nothing is sent or reported again;
// - an idle hahaha lists no Events, ever: over four quiet minutes (more than two of the ~100 s
//   cycles in which a bookmark-less Events watch used to go stale and relist), the apiserver's own
//   request counters show no LIST or WATCH of events.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { ensureBuilt } from '../../cluster/binaries.ts';
import { apiserverArgv } from '../../cluster/components.ts';
import { loadSettings } from '../../cluster/layout.ts';
import { kubeRecordWriter } from '../../src/controller/podstate.ts';
import { STATE_KEY } from '../../src/core/annotations.ts';
import { P, cluster, core, createJob, kubeClient, kubectl, naisjob, namespace, onlyPod, ports, records, scrape, startHahaha, suffix, waitFor } from './cluster.ts';

/** LIST and WATCH requests for Events that the cluster's apiserver has served (its apiserver_request_total). */
async function eventReads(): Promise<{ list: number; watch: number }> {
  await cluster();
  const body = await rawGet('/metrics');
  const sum = (verb: string): number =>
    body.split('\n')
      .filter((l) => l.startsWith('apiserver_request_total{') && l.includes('resource="events"') && l.includes(`verb="${verb}"`))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  return { list: sum('LIST'), watch: sum('WATCH') };
}

/** The cluster's hahaha's own reads of Events so far (hahaha_kube_request_duration_seconds_count: GET, a list included, and WATCH). */
async function ownEventReads(): Promise<number> {
  await cluster();
  return (await scrape(ports().metrics))
    .split('\n')
    .filter((l) => l.startsWith('hahaha_kube_request_duration_seconds_count{') && l.includes('resource="events"') && !l.includes('verb="POST"'))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

/**
 * The quiet window starts once no namespace is being deleted (the namespace controller lists every
 * kind of object in one, Events included, and earlier test files delete theirs as they end).
 */
const quietBefore = (async () => {
  await cluster();
  await waitFor('earlier namespaces to be deleted', async () => (await core().listNamespace()).items.every((n) => n.status?.phase !== 'Terminating'), 300_000, 1000);
  const from = Date.now();
  const [api, own] = await Promise.all([eventReads(), ownEventReads()]);
  return { from, api, own };
})();

const recordOf = async (ns: string, name: string): Promise<string | undefined> => (await core().readNamespacedPod({ name, namespace: ns })).metadata?.annotations?.[STATE_KEY];

// The namespaces go at the end of the file, after the quiet minutes: deleting one makes the
// namespace controller list every kind of object in it, Events included.
const top = t;

t.test('the record is an exclusive write inside the apiserver, as hahaha\'s ServiceAccount', async (t) => {
  const ns = await namespace(top, 'record');
  const writer = kubeRecordWriter(kubeClient('hahaha'));
  const pod = (name: string, annotations?: Record<string, string>) =>
    core().createNamespacedPod({ namespace: ns, body: { metadata: { name, labels: { app: name }, ...(annotations ? { annotations } : {}) }, spec: { nodeName: 'nowhere', containers: [{ name: 'main', image: 'ghcr.io/e2e/main:1' }] } } });
  const a = await pod('annotated', { team: 'e2e' });
  const ref = { namespace: ns, name: 'annotated', uid: a.metadata!.uid! };
  t.match(await writer.write(ref, undefined, '{"sidecars":{},"reported":["one"]}', true), { written: true }, 'absent, as the writer read it: written');
  t.same(await writer.write(ref, undefined, '{"sidecars":{},"reported":["two"]}', true), { written: false, why: 'the record changed since it was read' }, 'a second writer that read it absent loses');
  t.match(await writer.write(ref, '{"sidecars":{},"reported":["one"]}', '{"sidecars":{},"reported":["one","two"]}', true), { written: true }, 'from the record as it is: written');
  t.equal(await recordOf(ns, 'annotated'), '{"sidecars":{},"reported":["one","two"]}');
  t.same(await writer.write({ ...ref, uid: 'another-pod' }, '{"sidecars":{},"reported":["one","two"]}', '{}', true), { written: false, why: 'the pod is gone' }, 'a pod of the same name but another UID is not the one meant: it is gone');
  const bare = await pod('bare');
  t.match(await writer.write({ namespace: ns, name: 'bare', uid: bare.metadata!.uid! }, undefined, '{"sidecars":{},"reported":[]}', false), { written: true }, 'a pod without annotations gets the map with the record');
  t.same(await writer.write({ namespace: ns, name: 'bare', uid: bare.metadata!.uid! }, undefined, '{}', false), { written: false, why: 'the record changed since it was read' }, 'and only once');
  t.same((await core().readNamespacedPod({ name: 'bare', namespace: ns })).metadata?.annotations, { [STATE_KEY]: '{"sidecars":{},"reported":[]}' });
  t.same(await writer.write({ namespace: ns, name: 'gone', uid: 'x' }, undefined, '{}', true), { written: false, why: 'the pod is gone' });
});

/** A free port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A second kube-apiserver on the cluster's etcd, with a short --event-ttl; and hahaha's kubeconfig pointed at it. */
async function shortTtlApiserver(t: Test, ttl: string): Promise<{ kubeconfig: string; server: string }> {
  await cluster();
  const bins = await ensureBuilt('print');
  const s = loadSettings(P).settings;
  const port = await freePort();
  // Its files live outside the cluster's state folder, which cluster:down removes only when it holds nothing else.
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-ttl-'));
  const child: ChildProcess = spawn(
    apiserverArgv(P, s, bins.kubeApiserver)[0] as string,
    apiserverArgv(P, s, bins.kubeApiserver, { port, extra: [`--event-ttl=${ttl}`, `--audit-log-path=${join(dir, 'audit.log')}`] }).slice(1),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, 'kubeconfig-hahaha');
  writeFileSync(kubeconfig, readFileSync(P.kubeconfig('hahaha'), 'utf8').replaceAll(`:${s.ports.apiserver}`, `:${port}`));
  const server = kubeClient('admin').config.server.replace(`:${s.ports.apiserver}`, `:${port}`);
  await waitFor('the second apiserver to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`the second apiserver exited ${child.exitCode}: ${stderr}`);
    return fetchReady(server);
  }, 60_000);
  return { kubeconfig, server };
}

/** GET a path of an apiserver (the cluster's, or `server`) as the admin, with kubectl: its body. */
const rawGet = (path: string, server?: string): Promise<string> => kubectl([...(server ? ['--server', server] : []), 'get', '--raw', path]);

const fetchReady = async (server: string): Promise<boolean> => (await rawGet('/readyz', server).catch(() => '')).trim() === 'ok';

t.test('a sidecar hahaha gave up on stays given up after its Events expired: no new round, no new Warning', async (t) => {
  const ns = await namespace(top, 'ttl');
  const { kubeconfig, server } = await shortTtlApiserver(t, '15s');
  // The test's own reads of Events go to the second apiserver, so the first one's counters (the quiet test) see none.
  const hahahaEvents = async (pod: string): Promise<{ reason?: string; reportingController?: string }[]> => {
    const body = await rawGet(`/apis/events.k8s.io/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`regarding.name=${pod}`)}`, server);
    return ((JSON.parse(body) as { items: { reason?: string; reportingController?: string }[] }).items).filter((e) => e.reportingController === 'hahaha');
  };
  const group = `ttl-${suffix()}`;
  const h = await startHahaha(t, { selector: `e2e.hahaha.nais.io/group=${group}`, lease: `hahaha-${group}`, identity: `ttl-${group}`, kubeconfig });
  await createJob(naisjob({
    name: 'stuck', namespace: ns, unmanaged: true, labels: { 'e2e.hahaha.nais.io/group': group },
    sidecars: [{ name: 'metrics-exporter', image: 'ghcr.io/e2e/exporter:1' }],
    annotations: {
      'shutdown.hahaha.nais.io/metrics-exporter': 'POST :9102/quit',
      'sim.hahaha.nais.io/listen': 'metrics-exporter=POST :9102/quit',
      'sim.hahaha.nais.io/stubborn': 'metrics-exporter',
    },
  }));
  const name = (await onlyPod(ns, 'stuck')).metadata!.name!;
  await waitFor('ShutdownAbandoned', async () => (await hahahaEvents(name)).some((e) => e.reason === 'ShutdownAbandoned'), 60_000);
  const sent = records(ns).filter((r) => r.method === 'POST').length;
  t.equal(sent, 3, 'three rounds (--max-attempts 3) reached the sidecar');
  t.match(JSON.parse((await recordOf(ns, name)) ?? '{}'), { sidecars: { 'metrics-exporter': { round: 2, gaveUp: true } } });
  await waitFor('every Event of hahaha about the pod to expire', async () => (await hahahaEvents(name)).length === 0, 90_000, 1000);
  // Long enough for many resyncs (30 s) and for the old hourly cycle's equivalent: a fresh round would start at once.
  await sleep(40_000);
  t.equal(records(ns).filter((r) => r.method === 'POST').length, sent, 'nothing sent again');
  t.same((await hahahaEvents(name)).map((e) => e.reason), [], 'no new Event, Warning or other');
  t.match(JSON.parse((await recordOf(ns, name)) ?? '{}'), { sidecars: { 'metrics-exporter': { gaveUp: true } } }, 'the record still says so');
  t.notMatch(h.logs, /cache stale/, 'never stale meanwhile');
});

t.test('four quiet minutes: an idle hahaha makes no LIST and no WATCH of Events (the apiserver\'s own counters)', async (t) => {
  const { from: quietFrom, api: before, own: ownBefore } = await quietBefore;
  const QUIET_MS = 4 * 60_000;
  const left = QUIET_MS - (Date.now() - quietFrom);
  if (left > 0) await sleep(left);
  const after = await eventReads();
  t.ok(Date.now() - quietFrom >= QUIET_MS, `${Math.round((Date.now() - quietFrom) / 1000)} s measured`);
  t.equal(after.list - before.list, 0, 'the apiserver served no LIST of Events (nothing else lists them here while no namespace is deleted)');
  // A WATCH is counted when it ends, and the garbage collector's metadata informer watches every
  // resource: hahaha's own count tells its watches from the collector's.
  t.equal((await ownEventReads()) - ownBefore, 0, 'the cluster\'s hahaha neither watched, listed nor read Events: it only creates them');
  t.ok(after.watch - before.watch <= 2, `WATCHes of Events the apiserver ended meanwhile, from any client: ${after.watch - before.watch}`);
});
