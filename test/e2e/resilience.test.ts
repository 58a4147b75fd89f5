// hahaha processes of the test's own (own selector and Lease, hahaha's ServiceAccount token), to
// kill and restart at will: SIGKILL while 50 Jobs are finishing loses nothing and shuts nothing
// down twice; with two replicas only the leader acts, and the other takes over when it dies;
// --dry-run reports and changes nothing.

import t from 'tap';
import { type EventsV1Event } from '@kubernetes/client-node';
import {
  containerOf, createJob, jobState, leaseHolder, naisjob, namespace, podsOf, podEvents, records, startHahaha, suffix, waitFor, waitJob,
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

  const killing = await allEvents(ns, jobs, 'Killing');
  const perContainer = new Map<string, number>();
  for (const e of killing) {
    const k = `${e.regarding?.name}/${containerOf(e)}`;
    perContainer.set(k, (perContainer.get(k) ?? 0) + (e.series?.count ?? 1));
  }
  t.equal(perContainer.size, 100, 'every sidecar has its Killing event');
  t.same([...perContainer.entries()].filter(([, n]) => n !== 1), [], 'and exactly one');
  const sent = new Map<string, number>();
  for (const r of records(ns)) sent.set(`${r.pod}/${r.container ?? r.port}`, (sent.get(`${r.pod}/${r.container ?? r.port}`) ?? 0) + 1);
  t.same([...sent.entries()].filter(([, n]) => n !== 1), [], 'each sidecar received exactly one shutdown request');
  t.same(killing.filter((e) => e.reportingInstance === first.identity).length + killing.filter((e) => e.reportingInstance === second.identity).length, 100);
  t.ok(killing.some((e) => e.reportingInstance === second.identity), 'the second replica finished the work');
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
