// Benchmark of hahaha at scale on the local control plane (not a test). Needs `npm run cluster:up`
// (the real node is not used). One `hahaha serve` process of its own, from dist/ as the image runs
// it (webhooks and controller, hahaha's ServiceAccount token, its own selector, Lease and
// MutatingWebhookConfiguration, namespace bench-scale only), measured from outside:
//   1. idle: RSS, and the webhook's latency under autocannon;
//   2. 1,000 Jobs whose main containers finish together: every sidecar shut down, the reaction p99
//      (hahaha_shutdown_reaction_seconds) and its parts: the queue's wait (hahaha_queue_wait_seconds)
//      and the claims' Event writes (hahaha_kube_request_duration_seconds), beside the apiserver's
//      own time for Event creates in that window (its /metrics); the last Job's completion after
//      the last main exit, nothing sent twice (the simkubelet's record), RSS after;
//   3. 1k, 5k, 10k managed pods cached: RSS, CPU seconds and the reaction p99 of 50 probe pods at
//      each size; at 10k the webhook's latency while the controller resyncs every pod, and the
//      longest event-loop stall (nodejs_eventloop_lag_max_seconds, monitorEventLoopDelay, scraped
//      every second);
//      and the garbage collections in that window by kind and length (nodejs_gc_duration_seconds);
//      then a second hahaha (controller only, a Lease of its own) started cold beside them, as a
//      rollout starts one: how long its paged list takes, its longest stall, its RSS once synced;
//   and, idle at 0 and at the largest number of managed pods, hahaha's own calls to the apiserver
//   per minute by verb and resource, beside what the apiserver served every client (its /metrics);
//   4. 20,000 unmanaged pods (Pending: a nodeSelector no Node matches, and a scheduling gate): RSS before and after.
// Writes docs/performance/scale.json and docs/performance/scale.svg. Bounded: fixed counts, every
// wait has a deadline; loopback only. Deletes its namespace, webhook configuration and Lease.
//
//   npm run bench:scale            (BENCH_JOBS, BENCH_MANAGED=1000,5000,10000, BENCH_UNMANAGED to change)

import { readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdmissionregistrationV1Api, BatchV1Api, CoordinationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { P, kubeConfig, kubectl, metricValue, scrape, waitFor } from '../test/e2e/cluster.ts';
import { lineChart } from './lib/plot.ts';
import { type Load, type LoopGap, cpuOf, imageNodeFlags, loadMutate, loopGaps, loopWatchFlags, peakRssOf, rssOf, startCanary, startServer, stop } from './lib/proc.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const MANAGED = (process.env.BENCH_MANAGED ?? '1000,5000,10000').split(',').map(Number);
const UNMANAGED = Number(process.env.BENCH_UNMANAGED ?? 20000);
const PROBES = 50;
/** BENCH_PHASES=jobs,managed,unmanaged (default all): run only some. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'jobs,managed,unmanaged').split(','));
const NS = 'bench-scale';
const LABEL = { key: 'hahaha.dev/bench', value: 'scale' };
const LEASE = 'hahaha-bench';
const here = (p: string): string => new URL(p, import.meta.url).pathname;
const node = process.execPath;

const kc = kubeConfig('admin');
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const say = (line: string): void => console.log(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Run `f` over 0..n-1 with `width` at a time. */
async function pool(n: number, width: number, f: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        try {
          await f(i);
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await sleep(500 * (attempt + 1));
        }
      }
    }
  }));
}

const SIDECAR = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0' };
function pod(name: string | undefined, o: { mainRun?: string; managed: boolean; kind: string }): V1Pod {
  return {
    metadata: {
      ...(name ? { name } : {}),
      labels: { ...(o.managed ? { [LABEL.key]: LABEL.value } : {}), app: 'main', 'hahaha.dev/bench-kind': o.kind },
      annotations: { ...(o.mainRun ? { 'sim.hahaha.nais.io/run': `main=${o.mainRun}` } : {}), 'hahaha.nais.io/native-sidecars': 'false' },
    },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      // Unmanaged pods stay Pending: no Node matches, and the scheduling gate spares the scheduler 20,000 attempts.
      ...(o.managed ? { nodeSelector: { type: 'kwok' } } : { nodeSelector: { 'hahaha.dev/bench-nowhere': 'true' }, schedulingGates: [{ name: 'hahaha.dev/bench' }] }),
      containers: [{ name: 'main', image: 'ghcr.io/bench/main:1' }, SIDECAR],
    },
  };
}

// --- the process under test ----------------------------------------------------------------------
const dir = await mkdtemp(join(tmpdir(), 'hahaha-scale-'));
statSync(here('../dist/src/cli/main.js'));
const ca = readFileSync(join(P.webhookCerts, 'ca.crt'), 'utf8');
/** BENCH_NODE_FLAGS: V8 or Node flags for hahaha's process (default: the image's ENTRYPOINT's). */
const nodeFlags = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : imageNodeFlags();
/** `hahaha serve` from dist/ with hahaha's ServiceAccount, this Lease and the bench's namespace and selector; production defaults otherwise (grace 30 s, concurrency 100). */
const serve = (lease: string, ...flags: string[]): string[] => [
  node, ...nodeFlags, ...loopWatchFlags(), here('../dist/src/cli/main.js'), 'serve', ...flags, '--metrics-port', '0', '--address', '127.0.0.1',
  '--kubeconfig', P.kubeconfig('hahaha'), '--lease-namespace', 'hahaha', '--lease-name', lease, '--namespaces', NS, '--selector', `${LABEL.key}=${LABEL.value}`,
];
const hahaha = await startServer('hahaha', serve(LEASE, '--port', '0', '--cert-file', join(P.webhookCerts, 'tls.crt'), '--key-file', join(P.webhookCerts, 'tls.key'), '--native-sidecars', 'off'), { PATH: process.env.PATH, POD_NAME: 'hahaha-bench', ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}) });
/** An idle Node process with loopwatch on hahaha's core for the whole run: how late a loop that does nothing wakes there. */
const canary = await startCanary(node);
const metricsPort = Number(/"metricsPort":(\d+)/.exec(hahaha.log())?.[1]);
const metrics = (): Promise<string> => scrape(metricsPort);
const results: Record<string, unknown> = {};

async function cleanup(): Promise<void> {
  await stop(hahaha);
  await stop(canary);
  await kc.makeApiClient(AdmissionregistrationV1Api).deleteMutatingWebhookConfiguration({ name: 'hahaha-bench' }).catch(() => undefined);
  await kc.makeApiClient(CoordinationV1Api).deleteNamespacedLease({ name: LEASE, namespace: 'hahaha' }).catch(() => undefined);
  // Pods first, all at once and at once (grace 0): the namespace controller alone takes many minutes for 30,000.
  say('deleting the pods and namespace bench-scale...');
  for (let i = 0; i < 20; i++) {
    await core.deleteCollectionNamespacedPod({ namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
    if ((await core.listNamespacedPod({ namespace: NS, limit: 1 }).catch(() => ({ items: [] }))).items.length === 0) break;
  }
  await core.deleteNamespace({ name: NS }).catch(() => undefined);
  await waitFor('namespace bench-scale to be gone', async () => !(await core.readNamespace({ name: NS }).catch(() => undefined)), 600_000, 2000).catch((e: unknown) => say(String(e)));
  await rm(dir, { recursive: true, force: true });
}

/** A histogram's cumulative buckets in a scrape, summed over the series whose other labels `match`. */
function bucketsIn(text: string, name: string, match: (labels: string) => boolean = () => true): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{(.*?)le="([^"]+)"(.*?)\\} (\\S+)$`, 'gm'))) {
    if (!match(`${m[1]}${m[3]}`)) continue;
    const le = m[2] === '+Inf' ? Infinity : Number(m[2]);
    out.set(le, (out.get(le) ?? 0) + Number(m[4]));
  }
  return out;
}
/** The apiserver's own time for creates of events.k8s.io Events (hahaha's claims, and the scheduler's events), from its /metrics. */
const apiserverEventCreates = async (): Promise<Map<number, number>> =>
  bucketsIn(await kubectl(['get', '--raw', '/metrics']), 'apiserver_request_duration_seconds', (l) => l.includes('group="events.k8s.io"') && l.includes('verb="POST"'));
/** hahaha's own calls to the apiserver so far, by verb and resource (hahaha_kube_request_duration_seconds_count; a watch is WATCH). */
function callsIn(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^hahaha_kube_request_duration_seconds_count\{(.*?)\} (\S+)$/gm)) {
    const labels = m[1] ?? '';
    const key = `${/verb="([^"]+)"/.exec(labels)?.[1]} ${/resource="([^"]+)"/.exec(labels)?.[1]}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}
/** The apiserver's own count of requests so far, by verb and resource (apiserver_request_total, every client). */
async function apiserverCalls(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await kubectl(['get', '--raw', '/metrics'])).matchAll(/^apiserver_request_total\{(.*?)\} (\S+)$/gm)) {
    const labels = m[1] ?? '';
    const sub = /subresource="([^"]+)"/.exec(labels)?.[1];
    const key = `${/verb="([^"]+)"/.exec(labels)?.[1]} ${/resource="([^"]+)"/.exec(labels)?.[1]}${sub ? `/${sub}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}
const IDLE_WINDOW_MS = Number(process.env.BENCH_IDLE_SECONDS ?? 120) * 1000;
/**
 * What an idle hahaha asks of the apiserver, per minute over IDLE_WINDOW_MS: its own calls by verb
 * and resource, beside what the apiserver served every client (the cluster's controllers, kwok and
 * the simkubelet included) for the same resources in that window.
 */
async function idleCalls(label: string): Promise<{ perMinute: Record<string, number>; apiserverPerMinute: Record<string, number> }> {
  const [mine0, all0] = [callsIn(await metrics()), await apiserverCalls()];
  await sleep(IDLE_WINDOW_MS);
  const [mine1, all1] = [callsIn(await metrics()), await apiserverCalls()];
  const rate = (a: Map<string, number>, b: Map<string, number>, keep: (k: string) => boolean): Record<string, number> =>
    Object.fromEntries(
      [...b].filter(([k]) => keep(k)).map(([k, v]): [string, number] => [k, Math.round(((v - (a.get(k) ?? 0)) / (IDLE_WINDOW_MS / 60_000)) * 100) / 100]).filter(([, v]) => v > 0),
    );
  const perMinute = rate(mine0, mine1, () => true);
  const apiserverPerMinute = rate(all0, all1, (k) => /^(LIST|WATCH|GET|POST|PATCH|PUT) (pods|events|nodes|leases)$/.test(k));
  const text = (r: Record<string, number>): string => Object.entries(r).sort().map(([k, v]) => `${k} ${v}/min`).join(', ') || 'none';
  say(`${label}: hahaha's calls to the apiserver over ${IDLE_WINDOW_MS / 1000} s idle: ${text(perMinute)}`);
  say(`  the apiserver served, to every client, for those resources: ${text(apiserverPerMinute)}`);
  return { perMinute, apiserverPerMinute };
}

/** The reaction histogram's cumulative buckets now. */
async function reactionBuckets(): Promise<Map<number, number>> {
  return bucketsIn(await metrics(), 'hahaha_shutdown_reaction_seconds');
}
/** What the reaction is made of: the queue's change lane, and the claims (Event creates and patches). */
const partsOfReaction = (text: string) => ({
  queue: bucketsIn(text, 'hahaha_queue_wait_seconds', (l) => l.includes('lane="change"')),
  claims: bucketsIn(text, 'hahaha_kube_request_duration_seconds', (l) => l.includes('resource="events"') && !l.includes('verb="GET"')),
});
/** The bucket bound that holds the 99th percentile of what was observed between two snapshots, in ms. */
function p99Between(a: Map<number, number>, b: Map<number, number>): { count: number; p99UnderMs: number } {
  const bounds = [...b.keys()].sort((x, y) => x - y);
  const count = (b.get(Infinity) ?? 0) - (a.get(Infinity) ?? 0);
  const bound = bounds.find((le) => (b.get(le) ?? 0) - (a.get(le) ?? 0) >= 0.99 * count) ?? Infinity;
  return { count, p99UnderMs: bound * 1000 };
}
const shutdowns = async (): Promise<number> => {
  const text = await metrics();
  return [...text.matchAll(/^hahaha_sidecar_shutdowns_total\{[^}]*result="success"[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
};

/** autocannon against the bench hahaha's /mutate with a managed pod's review, in its own process. */
function webhookLoad(bound: { amount: number } | { seconds: number }): Promise<Load> {
  const body = join(dir, 'review.json');
  writeFileSync(body, JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'bench', operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: NS, object: pod('probe', { managed: true, kind: 'review' }) } }));
  return loadMutate({ port: hahaha.port, ca: join(P.webhookCerts, 'ca.crt'), body, ...bound });
}

/** Garbage collections so far, by kind: how many, and how many took longer than 10 and 100 ms (the histogram's bounds). */
function gcCounts(text: string): Record<string, { count: number; over10ms: number; over100ms: number }> {
  const out: Record<string, { count: number; over10ms: number; over100ms: number }> = {};
  const bucket = new Map<string, number>();
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_bucket\{le="([^"]+)",kind="([^"]+)"\} (\S+)$/gm)) bucket.set(`${m[2]} ${m[1]}`, Number(m[3]));
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_count\{kind="([^"]+)"\} (\S+)$/gm)) {
    const kind = m[1] as string;
    const count = Number(m[2]);
    out[kind] = { count, over10ms: count - (bucket.get(`${kind} 0.01`) ?? count), over100ms: count - (bucket.get(`${kind} 0.1`) ?? count) };
  }
  return out;
}
type GcCounts = Record<string, { count: number; over10ms: number; over100ms: number }>;
function gcBetween(a: GcCounts, b: GcCounts): GcCounts {
  const out: GcCounts = {};
  for (const [k, v] of Object.entries(b)) {
    const d = { count: v.count - (a[k]?.count ?? 0), over10ms: v.over10ms - (a[k]?.over10ms ?? 0), over100ms: v.over100ms - (a[k]?.over100ms ?? 0) };
    if (d.count > 0) out[k] = d;
  }
  return out;
}
const gcText = (g: ReturnType<typeof gcBetween>): string => Object.entries(g).map(([k, v]) => `${k} ${v.count} (${v.over10ms} over 10 ms, ${v.over100ms} over 100 ms)`).join(', ') || 'none';

/**
 * prom-client samples the loop every 10 ms (eventLoopMonitoringPrecision) and monitorEventLoopDelay
 * records the time between samples: an idle loop shows a 10.1–10.4 ms maximum. The loop was
 * blocked for the maximum less this.
 */
const SAMPLE_MS = 10;
const blocked = (maxMs: number): string => `longest gap between event-loop samples ${maxMs.toFixed(1)} ms (blocked about ${Math.max(0, maxMs - SAMPLE_MS).toFixed(1)} ms)`;

/** What loopwatch saw in a window: the longest gap and the most CPU the main thread had in one gap, beside an idle canary's longest gap. */
interface LoopSeen {
  readonly longest?: LoopGap;
  readonly busiest?: LoopGap;
  readonly canaryLongest?: LoopGap;
}
const loopText = (l: LoopSeen): string =>
  `loopwatch: longest gap ${l.longest ? `${l.longest.gapMs} ms, the main thread on a core for ${l.longest.cpuMs} ms of it` : 'under 15 ms'}; ` +
  `most CPU in one gap ${l.busiest ? `${l.busiest.cpuMs} ms (in a ${l.busiest.gapMs} ms gap)` : 'none over 15 ms'}; ` +
  `an idle canary on the same core: longest gap ${l.canaryLongest ? `${l.canaryLongest.gapMs} ms` : 'under 15 ms'}`;

/**
 * The longest event-loop stall while `during` runs, from the metric scraped every second (prom-client resets it per scrape), and the GCs in that time;
 * with `log`, also what loopwatch printed in that process's log in that time, beside what it printed for the idle canary.
 */
async function longestStall<T>(during: Promise<T>, scrapeOf: () => Promise<string> = metrics, log: () => string = hahaha.log): Promise<{ value: T; stallMs: number; gc: ReturnType<typeof gcBetween>; loop: LoopSeen }> {
  let worst = 0;
  let done = false;
  const from = Date.now();
  const gc0 = gcCounts(await scrapeOf());
  const watching = (async () => {
    while (!done) {
      worst = Math.max(worst, metricValue(await scrapeOf(), 'nodejs_eventloop_lag_max_seconds') ?? 0);
      await sleep(1000);
    }
  })();
  const value = await during;
  done = true;
  await watching;
  const to = Date.now();
  const gaps = loopGaps(log(), from, to);
  const [longest] = gaps;
  const busiest = [...gaps].sort((a, b) => b.cpuMs - a.cpuMs)[0];
  const [canaryLongest] = loopGaps(canary.log(), from, to);
  return { value, stallMs: worst * 1000, gc: gcBetween(gc0, gcCounts(await scrapeOf())), loop: { ...(longest ? { longest } : {}), ...(busiest ? { busiest } : {}), ...(canaryLongest ? { canaryLongest } : {}) } };
}

try {
  // --- setup -------------------------------------------------------------------------------------
  // What an interrupted run left behind: its webhook configuration (which points at a server that is gone) and its namespace.
  await kc.makeApiClient(AdmissionregistrationV1Api).deleteMutatingWebhookConfiguration({ name: 'hahaha-bench' }).catch(() => undefined);
  await core.deleteNamespace({ name: NS }).catch(() => undefined);
  await waitFor('an old bench-scale namespace to be gone', async () => !(await core.readNamespace({ name: NS }).catch(() => undefined)), 600_000, 2000);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitFor('the default ServiceAccount', async () => core.readNamespacedServiceAccount({ name: 'default', namespace: NS }), 60_000);
  await kc.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
    body: {
      metadata: { name: 'hahaha-bench' },
      webhooks: [{
        name: 'mutate.bench.hahaha.nais.io', admissionReviewVersions: ['v1'], sideEffects: 'None', timeoutSeconds: 5, failurePolicy: 'Fail',
        clientConfig: { url: `https://127.0.0.1:${hahaha.port}/mutate`, caBundle: Buffer.from(ca).toString('base64') },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
        objectSelector: { matchLabels: { [LABEL.key]: LABEL.value } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
      }],
    },
  });
  await waitFor('hahaha to lead with its caches synced', async () => metricValue(await metrics(), 'hahaha_leader') === 1 && hahaha.log().includes('pod cache synced'), 60_000, 500);

  // --- 1. idle -----------------------------------------------------------------------------------
  await sleep(10_000);
  const idle = { rssMiB: rssOf(hahaha.pid), webhook: await webhookLoad({ amount: 20_000 }) };
  results.idle = idle;
  say(`idle: RSS ${idle.rssMiB.toFixed(0)} MiB; /mutate ${idle.webhook.rps.toFixed(0)} req/s, p50 ${idle.webhook.p50.toFixed(2)} ms, p99 ${idle.webhook.p99.toFixed(2)} ms, ${idle.webhook.errors + idle.webhook.non2xx} errors`);
  results.idleCalls = { 0: await idleCalls('0 managed pods') };

  // --- 2. 1,000 Jobs at once ---------------------------------------------------------------------
  if (PHASES.has('jobs')) {
    const before = await reactionBuckets();
    const partsBefore = partsOfReaction(await metrics());
    const apiserverBefore = await apiserverEventCreates();
    const t0 = Date.now();
    const exitAt = t0 + 60_000 + JOBS * 20; // the common exit time: after the Jobs are made, their pods created and started
    await pool(JOBS, 16, (i) =>
      batch.createNamespacedJob({
        namespace: NS,
        body: {
          metadata: { name: `job-${i}` },
          spec: { backoffLimit: 0, template: pod(undefined, { managed: true, kind: 'job', mainRun: `${Math.max(5, Math.round((exitAt - Date.now()) / 1000))}s:0` }) },
        },
      }),
    );
    say(`${JOBS} Jobs created in ${((Date.now() - t0) / 1000).toFixed(1)} s; their mains exit at about +${((exitAt - t0) / 1000).toFixed(0)} s`);
    const complete = async (): Promise<number> => (await batch.listNamespacedJob({ namespace: NS })).items.filter((j) => j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).length;
    await waitFor(`${JOBS} Jobs to complete`, async () => (await complete()) >= JOBS, exitAt - Date.now() + 180_000, 2000);
    const jobs = (await batch.listNamespacedJob({ namespace: NS })).items;
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABEL.key}=${LABEL.value}` })).items;
    const mainExits = pods.map((p) => new Date(p.status?.containerStatuses?.find((c) => c.name === 'main')?.state?.terminated?.finishedAt ?? 0).getTime()).filter((x) => x > 0);
    const lastComplete = Math.max(...jobs.map((j) => new Date(j.status?.completionTime ?? 0).getTime()));
    const records = readFileSync(P.simkubeletRecord, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { time: string; namespace: string; pod: string; kind: string; path?: string });
    const perPod = new Map<string, number>();
    const since = new Date(t0).toISOString();
  // The record outlives the namespace: only this run's requests (the time is RFC 3339, so it sorts).
  for (const r of records) if (r.namespace === NS && r.kind === 'portforward' && r.time >= since) perPod.set(r.pod, (perPod.get(r.pod) ?? 0) + 1);
    const twice = [...perPod.values()].filter((n) => n > 1).length;
    const reaction = p99Between(before, await reactionBuckets());
    const partsAfter = partsOfReaction(await metrics());
    const parts = {
      queueWait: p99Between(partsBefore.queue, partsAfter.queue),
      eventWrites: p99Between(partsBefore.claims, partsAfter.claims),
      apiserverEventCreates: p99Between(apiserverBefore, await apiserverEventCreates()),
    };
    await sleep(5000);
    const jobsResult = {
      jobs: JOBS,
      mainExitSpreadS: (Math.max(...mainExits) - Math.min(...mainExits)) / 1000,
      lastCompleteAfterLastMainExitS: (lastComplete - Math.max(...mainExits)) / 1000,
      sidecarsShutDown: await shutdowns(),
      podsWithARequest: perPod.size,
      podsWithMoreThanOneRequest: twice,
      reaction,
      ...parts,
      rssMiB: rssOf(hahaha.pid),
      peakRssMiB: peakRssOf(hahaha.pid),
    };
    results.jobs = jobsResult;
    say(`${JOBS} Jobs: mains exited within ${jobsResult.mainExitSpreadS} s of each other; the last Job completed ${jobsResult.lastCompleteAfterLastMainExitS} s after the last main exit (timestamps in whole seconds)`);
    say(`  ${jobsResult.sidecarsShutDown} sidecars shut down; ${jobsResult.podsWithARequest} pods got a request, ${twice} more than one; reaction p99 under ${reaction.p99UnderMs} ms (${reaction.count} observed); RSS ${jobsResult.rssMiB.toFixed(0)} MiB (peak ${jobsResult.peakRssMiB.toFixed(0)})`);
    say(`  of the reaction: queue wait (change lane) p99 under ${parts.queueWait.p99UnderMs} ms (${parts.queueWait.count} keys taken); Event writes p99 under ${parts.eventWrites.p99UnderMs} ms (${parts.eventWrites.count} writes)`);
    say(`  the apiserver's own time for the creates of events.k8s.io Events in that window (hahaha's and the scheduler's): p99 under ${parts.apiserverEventCreates.p99UnderMs} ms (${parts.apiserverEventCreates.count} creates)`);
    await batch.deleteCollectionNamespacedJob({ namespace: NS, propagationPolicy: 'Background' });
    await waitFor('the Jobs and their pods to be gone', async () => (await core.listNamespacedPod({ namespace: NS })).items.length === 0, 300_000, 2000);
  }

  // --- 3. managed pods cached --------------------------------------------------------------------
  const levels: { pods: number; rssMiB: number; cpuS: number; reactionP99UnderMs: number }[] = [];
  let made = 0;
  const cpu0 = cpuOf(hahaha.pid);
  for (const level of PHASES.has('managed') ? MANAGED : []) {
    const t = Date.now();
    await pool(level - made, 24, (i) => core.createNamespacedPod({ namespace: NS, body: pod(`cached-${made + i}`, { managed: true, kind: 'cached' }) }));
    made = level;
    const notRunning = async (): Promise<number> => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'hahaha.dev/bench-kind=cached', fieldSelector: 'status.phase!=Running', limit: 1 })).items.length;
    await waitFor(`${level} pods running`, async () => (await notRunning()) === 0, 600_000, 2000);
    say(`${level} managed pods running (${((Date.now() - t) / 1000).toFixed(0)} s)`);
    // 50 probe pods whose mains exit now: the reaction with this many pods cached.
    const b = await reactionBuckets();
    const s0 = await shutdowns();
    await pool(PROBES, 16, (i) => core.createNamespacedPod({ namespace: NS, body: pod(`probe-${level}-${i}`, { managed: true, kind: 'probe', mainRun: '5s:0' }) }));
    await waitFor(`the ${PROBES} probes' sidecars shut down`, async () => (await shutdowns()) - s0 >= PROBES, 180_000, 1000);
    const r = p99Between(b, await reactionBuckets());
    await sleep(5000);
    levels.push({ pods: level, rssMiB: rssOf(hahaha.pid), cpuS: (cpuOf(hahaha.pid) - cpu0) / 1000, reactionP99UnderMs: r.p99UnderMs });
    say(`  ${level} cached: RSS ${rssOf(hahaha.pid).toFixed(0)} MiB, CPU ${((cpuOf(hahaha.pid) - cpu0) / 1000).toFixed(1)} s so far, reaction p99 under ${r.p99UnderMs} ms (${r.count} probes)`);
  }
  results.managed = levels;
  if (PHASES.has('managed')) (results.idleCalls as Record<number, unknown>)[made] = await idleCalls(`${made} managed pods cached`);
  // The webhook while the controller resyncs every cached pod: 35 s of load hold one resync (every 30 s) whatever the phase.
  if (PHASES.has('managed')) {
    const resync = await longestStall(webhookLoad({ seconds: 35 }));
    results.resync = { webhook: resync.value, longestStallMs: resync.stallMs, gc: resync.gc, idleP99Ms: idle.webhook.p99, loop: resync.loop };
    say(`/mutate with ${made} pods cached, across a resync: p99 ${resync.value.p99.toFixed(2)} ms (${(resync.value.p99 / idle.webhook.p99).toFixed(2)}× idle), ${resync.value.errors + resync.value.non2xx} errors; ${blocked(resync.stallMs)}; GCs: ${gcText(resync.gc)}; ${loopText(resync.loop)}`);

    // A second hahaha started cold beside them, as a rollout starts one: its first list, in pages.
    const cold = await startServer('hahaha (cold)', serve(`${LEASE}-cold`, '--no-webhooks'), { PATH: process.env.PATH, POD_NAME: 'hahaha-bench-cold' }, 'metricsPort');
    try {
      const coldPort = Number(/"metricsPort":(\d+)/.exec(cold.log())?.[1]);
      const t5 = Date.now();
      const synced = await longestStall(
        (async () => {
          await waitFor('the cold hahaha to sync its pod cache', () => Promise.resolve(cold.log().includes('pod cache synced')), 120_000, 100);
          const s = (Date.now() - t5) / 1000;
          await sleep(5000);
          return s;
        })(),
        () => scrape(coldPort),
        cold.log,
      );
      results.coldStart = { pods: made, syncedS: synced.value, longestStallMs: synced.stallMs, gc: synced.gc, rssMiB: rssOf(cold.pid), peakRssMiB: peakRssOf(cold.pid), loop: synced.loop };
      say(`a cold hahaha beside ${made} managed pods: cache synced in ${synced.value.toFixed(1)} s (paged list), ${blocked(synced.stallMs)}, GCs: ${gcText(synced.gc)}; RSS ${rssOf(cold.pid).toFixed(0)} MiB (peak ${peakRssOf(cold.pid).toFixed(0)}); ${loopText(synced.loop)}`);
    } finally {
      await stop(cold);
      await kc.makeApiClient(CoordinationV1Api).deleteNamespacedLease({ name: `${LEASE}-cold`, namespace: 'hahaha' }).catch(() => undefined);
    }
  }

  // --- 4. unmanaged pods -------------------------------------------------------------------------
  if (PHASES.has('unmanaged')) {
    await sleep(5000);
    const rssBefore = rssOf(hahaha.pid);
    const t4 = Date.now();
    await pool(UNMANAGED, 32, (i) => core.createNamespacedPod({ namespace: NS, body: pod(`unmanaged-${i}`, { managed: false, kind: 'unmanaged' }) }));
    say(`${UNMANAGED} unmanaged pods created (${((Date.now() - t4) / 1000).toFixed(0)} s)`);
    await sleep(10_000);
    results.unmanaged = { pods: UNMANAGED, rssBeforeMiB: rssBefore, rssAfterMiB: rssOf(hahaha.pid) };
    say(`${UNMANAGED} unmanaged pods: RSS ${rssBefore.toFixed(0)} -> ${rssOf(hahaha.pid).toFixed(0)} MiB`);
  }

  // --- the figures -------------------------------------------------------------------------------
  const out = here('../docs/performance');
  if (levels.length) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'scale.json'), `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
    writeFileSync(join(out, 'scale.svg'), lineChart({
      title: 'hahaha serve (webhooks and controller) with managed pods cached',
      xLabel: 'managed pods',
      series: [
        { title: 'RSS', unit: 'MiB', points: [{ x: 0, y: idle.rssMiB }, ...levels.map((l) => ({ x: l.pods, y: l.rssMiB }))] },
        { title: 'CPU, cumulative', unit: 's', points: [{ x: 0, y: 0 }, ...levels.map((l) => ({ x: l.pods, y: l.cpuS }))] },
        { title: 'reaction p99 under', unit: 'ms', points: levels.map((l) => ({ x: l.pods, y: l.reactionP99UnderMs })) },
      ],
    }));
    console.log('\n| managed pods | RSS MiB | CPU s (cumulative) | reaction p99 |');
    console.log('|---|---|---|---|');
    console.log(`| 0 (idle) | ${idle.rssMiB.toFixed(0)} | 0 | |`);
    for (const l of levels) console.log(`| ${l.pods} | ${l.rssMiB.toFixed(0)} | ${l.cpuS.toFixed(1)} | < ${l.reactionP99UnderMs} ms |`);
    say('wrote docs/performance/scale.json and docs/performance/scale.svg');
  } else console.log(JSON.stringify(results, null, 2));
} finally {
  await cleanup();
}
