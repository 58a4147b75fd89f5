// Benchmark of the controller's periodic resync (not a test; no cluster): the real Controller with
// fakes behind its seams (test/controller/fakes.ts), N cached pods cut by cachedPod as the pod
// cache keeps them, and a resync timed until the queue is empty. Side by side in one run:
//   - N pods whose main containers still run (their plan holds until they change: passed over),
//   - N pods whose mains finished while a sidecar with no shutdown action runs (decided each time).
// Prints wall and CPU time, scavenges and mark-compacts, and the longest event-loop delay, per
// resync. Bounded: ROUNDS resyncs of each.
//
//   npm run bench:resync            (N=10000, ROUNDS=5 to change)

import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { Controller } from '../src/controller/controller.ts';
import { cachedPod } from '../src/core/pod.ts';
import { createMetrics } from '../src/server/metrics.ts';
import { MemoryEvents, MemoryPods, ScriptedSteps, memoryLog } from '../test/controller/fakes.ts';
import { config } from '../test/helpers.ts';

const N = Number(process.env.N ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

/** A Job's pod as the apiserver has it: main and an istio-proxy running, or main done and an unknown sidecar up. */
function jobPod(i: number, mainsDone: boolean): V1Pod {
  const now = new Date().toISOString();
  const running = { running: { startedAt: now } };
  return JSON.parse(JSON.stringify({
    metadata: {
      name: `job-${i}-x7k2p`, namespace: 'bench', uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, resourceVersion: String(1000 + i), creationTimestamp: now,
      labels: { 'nais.io/naisjob': 'true', 'batch.kubernetes.io/controller-uid': `c-${i}`, 'batch.kubernetes.io/job-name': `job-${i}`, 'job-name': `job-${i}` },
      annotations: { 'hahaha.nais.io/main-container': 'main', ...(mainsDone ? {} : { 'shutdown.hahaha.nais.io/istio-proxy': 'POST :15000/quitquitquit' }) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: `job-${i}`, uid: `c-${i}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      restartPolicy: 'Never', terminationGracePeriodSeconds: 5, nodeName: 'kwok-0',
      containers: [{ name: 'main', image: 'ghcr.io/bench/main:1' }, mainsDone ? { name: 'stranger', image: 'ghcr.io/bench/stranger:1' } : { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0' }],
    },
    status: {
      phase: 'Running', startTime: now,
      containerStatuses: [
        { name: 'main', image: 'x', imageID: '', ready: !mainsDone, restartCount: 0, started: !mainsDone, state: mainsDone ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } } : running },
        { name: mainsDone ? 'stranger' : 'istio-proxy', image: 'x', imageID: '', ready: true, restartCount: 0, started: true, state: running },
      ],
    },
  })) as V1Pod;
}

const gcs: { kind: number; ms: number }[] = [];
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcs.push({ kind: (e as unknown as { detail: { kind: number } }).detail.kind, ms: e.duration });
}).observe({ entryTypes: ['gc'] });

async function run(label: string, mainsDone: boolean): Promise<void> {
  const pods = new MemoryPods();
  for (let i = 0; i < N; i++) pods.put(cachedPod(jobPod(i, mainsDone)) as V1Pod);
  const c = new Controller({
    config: config(), pods, records: pods, steps: new ScriptedSteps(), events: new MemoryEvents(), metrics: createMetrics(), awaiting: new Map(), log: memoryLog(),
    retry: { graceMs: 30_000, stepTimeoutMs: 10_000, backoffMs: 5_000, maxBackoffMs: 300_000, maxAttempts: 2 }, concurrency: 100, nativeMarginMs: 30_000, resyncMs: 3_600_000,
  });
  const queue = (c as unknown as { queue: { readyNow: number } }).queue;
  const idle = async (): Promise<void> => {
    // Every key taken and every worker back at the queue.
    while (queue.readyNow > 0) await sleep(1);
    await sleep(20);
  };
  c.start();
  c.startLeading(); // the first look at every pod
  await idle();
  for (let round = 1; round <= ROUNDS; round++) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    gcs.length = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    h.enable();
    await c.enqueueAll();
    while (queue.readyNow > 0) await sleep(1);
    const ms = performance.now() - t0;
    h.disable();
    const cpu = process.cpuUsage(cpu0);
    const minor = gcs.filter((g) => g.kind === 1);
    const major = gcs.filter((g) => g.kind === 4);
    console.log(`${label}, resync ${round}: ${ms.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; ${minor.length} scavenges, ${major.length} mark-compacts (longest GC ${Math.max(0, ...gcs.map((g) => g.ms)).toFixed(1)} ms); longest loop delay ${(h.max / 1e6).toFixed(1)} ms`);
    await sleep(200);
  }
  await c.drain(1000);
}

console.log(`bench:resync: ${N} cached pods, Node ${process.version}, flags ${process.execArgv.join(' ') || 'none'}`);
await run(`${N} pods, mains running`, false);
await run(`${N} pods, mains done, a sidecar without an action`, true);
