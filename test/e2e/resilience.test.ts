// hahaha processes of the test's own (own selector and Lease, hahaha's ServiceAccount token), to
// kill and restart at will: SIGKILL while 50 Jobs are finishing loses nothing and shuts nothing
// down twice; with two replicas only the leader acts, and the other takes over when it dies;
// --dry-run reports and changes nothing.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type EventsV1Event } from '@kubernetes/client-node';
import {
  P, core, createJob, jobState, leaseHolder, naisjob, namespace, podsOf, podEvents, records, startHahaha, suffix, waitFor, waitJob,
} from './cluster.ts';

const GROUP = 'e2e.hahaha.nais.io/group';
const SIDECARS = [
  { name: 'secure-logs-fluentd', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/secure-logs-fluentd:1' },
  { name: 'vks-sidecar', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/vks-sidecar:1' },
];

/** A group of Jobs that only the test's own hahaha manages (no nais.io/naisjob label). */
function group() {
  const id = suffix();
  return { id, selector: `${GROUP}=${id}`, lease: `hahaha-e2e-${id}`, labels: { [GROUP]: id } };
}

async function allEvents(ns: string, jobs: string[], reason: string): Promise<EventsV1Event[]> {
  const out: EventsV1Event[] = [];
  for (const job of jobs) for (const pod of await podsOf(ns, job)) out.push(...(await podEvents(ns, pod.metadata!.name!, reason)));
  return out;
}

t.test('SIGKILL while 50 Jobs are finishing: after a restart every Job completes, no sidecar is shut down twice', async (t) => {
  const ns = await namespace(t, 'restart');
  const g = group();
  const first = await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `first-${g.id}` });
  const jobs = Array.from({ length: 50 }, (_, i) => `job-${i}`);
  // Main containers finish between 1 and 6 s after they start, so the kill lands mid-way.
  await Promise.all(jobs.map((name, i) => createJob(naisjob({ name, namespace: ns, unmanaged: true, labels: g.labels, sidecars: SIDECARS, mainRun: `${1 + (i % 6)}s:0` }))));
  await waitFor('a third of the shutdowns', async () => records(ns).length >= 30, 30_000, 20);
  await first.kill();
  const before = records(ns).length;
  t.ok(before > 0 && before < 100, `killed after ${before} of 100 shutdown requests`);

  // A new replica (another pod name, as after a reschedule) waits out the dead one's Lease.
  const second = await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `second-${g.id}` });
  for (const job of jobs) await waitJob(ns, job, 'complete', 90_000);
  t.equal(await leaseHolder(g.lease), second.identity);

  // The pods' own records: every sidecar claimed, in one round, or two only where the first replica
  // died between a claim and its request (that claim is waited out and recorded as failed, never sent).
  const rounds = new Map<string, number>();
  for (const p of (await core().listNamespacedPod({ namespace: ns })).items) {
    const record = JSON.parse(p.metadata?.annotations?.['state.hahaha.nais.io/v1'] ?? '{}') as { sidecars?: Record<string, { round: number }> };
    for (const [c, progress] of Object.entries(record.sidecars ?? {})) rounds.set(`${p.metadata?.name}/${c}`, progress.round + 1);
  }
  t.equal(rounds.size, 100, 'every sidecar has its claim in its pod');
  t.same([...rounds.entries()].filter(([, n]) => n > 2), [], 'one round each, two only after a claim that was waited out');
  const killing = await allEvents(ns, jobs, 'Killing');
  const sent = new Map<string, number>();
  for (const r of records(ns)) sent.set(`${r.pod}/${r.container ?? r.port}`, (sent.get(`${r.pod}/${r.container ?? r.port}`) ?? 0) + 1);
  t.same([...sent.entries()].filter(([, n]) => n !== 1), [], 'each sidecar received exactly one shutdown request');
  t.ok(killing.some((e) => e.reportingInstance === second.identity), 'the second replica finished the work');
});

/**
 * A TCP proxy in front of the apiserver (TLS passes through): `cut()` drops every connection and
 * refuses new ones, as a network partition between hahaha and the apiserver does; `restore()` ends it.
 */
async function apiserverProxy(t: Test, target: number): Promise<{ port: number; cut(): void; restore(): void }> {
  let open = true;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore: () => void (open = true),
  };
}

t.test('the apiserver cut off for longer than the grace period while Jobs finish: nothing sent twice, nothing abandoned, every Job completes once it is back', async (t) => {
  const ns = await namespace(t, 'partition');
  const g = group();
  const original = await readFile(P.kubeconfig('hahaha'), 'utf8');
  const apiserverPort = Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(original)?.[1]);
  const proxy = await apiserverProxy(t, apiserverPort);
  const dir = await mkdtemp(join(tmpdir(), 'hahaha-partition-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfig, original.replace(`127.0.0.1:${apiserverPort}`, `127.0.0.1:${proxy.port}`), { mode: 0o600 });
  const h = await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `cut-${g.id}`, kubeconfig, args: ['--max-attempts', '2'] });
  await waitFor('the lease', async () => (await leaseHolder(g.lease)) === h.identity, 20_000);

  const jobs = Array.from({ length: 12 }, (_, i) => `job-${i}`);
  // Main containers finish between 2 and 7 s after they start: some before the cut, most during it.
  await Promise.all(jobs.map((name, i) => createJob(naisjob({ name, namespace: ns, unmanaged: true, labels: g.labels, sidecars: SIDECARS, mainRun: `${2 + (i % 6)}s:0` }))));
  await waitFor('the first shutdowns', async () => records(ns).length >= 2, 30_000, 20);
  proxy.cut();
  const sentBefore = records(ns).length;
  // Longer than the grace period (3 s) and the retry backoff (1 s): a frozen cache would send second steps and give up.
  await new Promise((r) => setTimeout(r, 12_000));
  t.match(h.logs, /cache stale: acting on nothing until a list succeeds/, 'hahaha knew its caches were stale');
  t.equal(records(ns).length, sentBefore, 'nothing was sent while cut off (nothing could be)');
  proxy.restore();
  for (const job of jobs) await waitJob(ns, job, 'complete', 90_000);

  const sent = new Map<string, number>();
  for (const r of records(ns)) sent.set(`${r.pod}/${r.container ?? r.port}`, (sent.get(`${r.pod}/${r.container ?? r.port}`) ?? 0) + 1);
  t.equal(sent.size, jobs.length * SIDECARS.length, 'every sidecar got its request');
  t.same([...sent.entries()].filter(([, n]) => n !== 1), [], 'none got a second one');
  t.same(await allEvents(ns, jobs, 'ShutdownAbandoned'), [], 'none was marked abandoned');
  // A claim written as the connection dropped (its answer lost, so its step never sent) is waited out
  // and recorded as failed, never sent blind: that, and only that, may show as ShutdownFailed.
  const failed = await allEvents(ns, jobs, 'ShutdownFailed');
  t.same(failed.filter((e) => !/still running [\d.]+s after the step was claimed$/.test(e.note ?? '')).map((e) => e.note), [], `no step answered and then failed (${failed.length} claims lost in the cut)`);
});

t.test('two replicas: only the leader acts; kill it and the other takes over within about 15 s', async (t) => {
  const ns = await namespace(t, 'leader');
  const g = group();
  const a = await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `a-${g.id}` });
  const b = await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `b-${g.id}` });
  const leader = await waitFor('a leader', () => leaseHolder(g.lease), 20_000);
  const [winner, other] = leader === a.identity ? [a, b] : [b, a];
  t.ok([a.identity, b.identity].includes(leader));

  const early = ['early-0', 'early-1', 'early-2'];
  await Promise.all(early.map((name) => createJob(naisjob({ name, namespace: ns, unmanaged: true, labels: g.labels, sidecars: SIDECARS, mainRun: '1s:0' }))));
  for (const job of early) await waitJob(ns, job, 'complete', 30_000);
  const earlyEvents = await allEvents(ns, early, 'Killing');
  t.equal(earlyEvents.length, 6);
  t.ok(earlyEvents.every((e) => e.reportingInstance === winner.identity), 'only the leader acted');
  t.notMatch(other.logs, 'sidecar shut down', 'the other replica did nothing');

  const late = ['late-0', 'late-1', 'late-2'];
  await Promise.all(late.map((name) => createJob(naisjob({ name, namespace: ns, unmanaged: true, labels: g.labels, sidecars: SIDECARS, mainRun: '3s:0' }))));
  await winner.kill();
  const killedAt = Date.now();
  await waitFor('the other replica to take the lease', async () => (await leaseHolder(g.lease)) === other.identity, 30_000);
  const takeover = (Date.now() - killedAt) / 1000;
  t.ok(takeover <= 20, `took over ${takeover.toFixed(1)} s after the leader died`);
  for (const job of late) await waitJob(ns, job, 'complete', 40_000);
  const lateEvents = await allEvents(ns, late, 'Killing');
  t.equal(lateEvents.length, 6);
  t.ok(lateEvents.every((e) => e.reportingInstance === other.identity), 'the new leader finished the work');
});

t.test('--dry-run reports what it would do and changes nothing', async (t) => {
  const ns = await namespace(t, 'dryrun');
  const g = group();
  await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `dry-${g.id}`, args: ['--dry-run'] });
  await createJob(naisjob({ name: 'audit', namespace: ns, unmanaged: true, labels: g.labels, sidecars: SIDECARS, mainRun: '1s:0' }));
  const pod = (await waitFor('the pod', async () => (await podsOf(ns, 'audit'))[0]));
  const would = await waitFor('two WouldShutDown events', async () => {
    const e = await podEvents(ns, pod.metadata!.name!, 'WouldShutDown');
    return e.length === 2 ? e : undefined;
  }, 20_000);
  t.same(would.map((e) => e.note).sort(), [
    'Dry run: would shut down container secure-logs-fluentd (GET :24444/api/processes.killWorkers); no shutdown.hahaha.nais.io/secure-logs-fluentd annotation: action from the catalog',
    'Dry run: would shut down container vks-sidecar (exec /bin/kill -s INT 1); no shutdown.hahaha.nais.io/vks-sidecar annotation: action from the catalog',
  ]);
  await new Promise((r) => setTimeout(r, 3000));
  t.same(records(ns), [], 'nothing reached the sidecars');
  t.equal(await jobState(ns, 'audit'), 'active');
  t.same(await podEvents(ns, pod.metadata!.name!, 'Killing'), []);
});

t.test('--no-webhooks: the controller alone (the chart\'s split mode) shuts sidecars down, with its probes on the metrics port', async (t) => {
  const ns = await namespace(t, 'ctlonly');
  const g = group();
  const h = await startHahaha(t, { selector: g.selector, lease: g.lease, identity: `ctl-${g.id}`, args: ['--no-webhooks'] });
  t.match(h.logs, 'running the shutdown controller only (--no-webhooks)');
  const probe = async (path: string) => (await fetch(`http://127.0.0.1:${h.metricsPort}${path}`)).status;
  t.equal(await probe('/healthz'), 200);
  t.equal(await waitFor('/readyz on the metrics port', async () => ((await probe('/readyz')) === 200 ? 200 : undefined), 20_000), 200);
  await createJob(naisjob({ name: 'solo', namespace: ns, unmanaged: true, labels: g.labels, sidecars: SIDECARS, mainRun: '1s:0' }));
  await waitJob(ns, 'solo', 'complete', 40_000);
  t.equal(records(ns).length, 2, 'both sidecars got their request');
});
