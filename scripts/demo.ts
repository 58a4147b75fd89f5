// `npm run demo`: hahaha at work on the local control plane. Brings the cluster up (hahaha
// included), runs a Naisjob-like CronJob every minute, and prints each Job going from active to
// complete with the events on its pod, as `kubectl describe pod` shows them. Next to it, the same
// Job with hahaha opted out shows the problem hahaha solves: it never completes. The cluster's nodes
// run the pinned kubelet, so hahaha (--native-sidecars auto) makes the known sidecars native; the
// linkerd-proxy written into the pod is an injector's container, so it keeps its shutdown action.
//
//   npm run demo                 three runs (DEMO_RUNS=5 for more)

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, EventsV1Api, KubeConfig, type V1Job, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { REPO, paths, stateDir } from '../cluster/layout.ts';

const RUNS = Number(process.env.DEMO_RUNS ?? 3);
const NS = 'demo';
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const clock = (): string => new Date().toISOString().slice(11, 19);
const say = (s: string): void => console.log(`${clock()}  ${s}`);

console.log(bold('Bringing up the local control plane with hahaha (npm run cluster:up)...'));
execFileSync(process.execPath, [join(REPO, 'cluster', 'up.ts')], { stdio: 'inherit' });

const kc = new KubeConfig();
kc.loadFromFile(paths(stateDir()).kubeconfig('admin'));
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const events = kc.makeApiClient(EventsV1Api);

function template(optedOut: boolean): V1PodTemplateSpec {
  return {
    metadata: {
      labels: { app: 'dataloader', team: 'demo', 'nais.io/naisjob': 'true' },
      annotations: {
        // The simulated main container works for 5 s and exits 0; the sidecars never exit by themselves.
        'sim.hahaha.nais.io/run': 'dataloader=5s:0',
        ...(optedOut ? { 'hahaha.nais.io/enabled': 'false' } : {}),
      },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'dataloader', image: 'ghcr.io/navikt/dataloader:2026.11.26' },
        { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--quitquitquit', '--port=5432', 'team-demo:europe-north1:db'] },
        { name: 'secure-logs-fluentd', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/secure-logs-fluentd:1' },
        { name: 'secure-logs-configmap-reload', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/configmap-reload:v0.9.0' },
        { name: 'vks-sidecar', image: 'europe-north1-docker.pkg.dev/nais-io/nais/images/vks-sidecar:1' },
        { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.11.1' },
      ],
    },
  };
}

// A fresh namespace.
await core.deleteNamespace({ name: NS }).catch(() => undefined);
while (await core.readNamespace({ name: NS }).then(() => true, () => false)) await sleep(500);
await core.createNamespace({ body: { metadata: { name: NS } } });
while (!(await core.readNamespacedServiceAccount({ name: 'default', namespace: NS }).then(() => true, () => false))) await sleep(250);

await batch.createNamespacedCronJob({
  namespace: NS,
  body: {
    metadata: { name: 'dataloader' },
    spec: { schedule: '* * * * *', successfulJobsHistoryLimit: RUNS, jobTemplate: { spec: { backoffLimit: 0, template: template(false) } } },
  },
});
await batch.createNamespacedJob({ namespace: NS, body: { metadata: { name: 'without-hahaha' }, spec: { backoffLimit: 0, template: template(true) } } });
console.log();
say(bold(`CronJob ${NS}/dataloader runs every minute: a main container and five sidecars (cloudsql-proxy, secure-logs-fluentd, secure-logs-configmap-reload, vks-sidecar, linkerd-proxy).`));
say(`Job ${NS}/without-hahaha is the same pod with hahaha.nais.io/enabled: "false". Waiting for the first run (up to a minute)...`);

const age = (t: unknown): string => {
  const ms = Date.now() - (t instanceof Date ? t.getTime() : Date.parse(String(t)));
  return ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
};

async function describeEvents(pod: string): Promise<void> {
  const list = await events.listNamespacedEvent({ namespace: NS, fieldSelector: `regarding.name=${pod}` });
  const rows = list.items
    .map((e) => {
      const at = (e.eventTime as unknown) ?? e.deprecatedFirstTimestamp ?? e.metadata?.creationTimestamp;
      return { at: at instanceof Date ? at.toISOString() : typeof at === 'string' ? at : '', type: e.type ?? '', reason: e.reason ?? '', from: e.reportingController ?? e.deprecatedSource?.component ?? '', note: e.note ?? '' };
    })
    .sort((a, b) => a.at.localeCompare(b.at));
  console.log(`            Events of pod ${pod}:`);
  console.log(`              ${'Type'.padEnd(8)}${'Reason'.padEnd(12)}${'Age'.padEnd(6)}${'From'.padEnd(19)}Message`);
  for (const r of rows) console.log(`              ${r.type.padEnd(8)}${r.reason.padEnd(12)}${age(r.at).padEnd(6)}${r.from.padEnd(19)}${r.note}`);
}

const seen = new Map<string, 'active' | 'complete'>();
let completed = 0;
const started = Date.now();
while (completed < RUNS && Date.now() - started < (RUNS + 2) * 70_000) {
  const jobs: V1Job[] = (await batch.listNamespacedJob({ namespace: NS })).items.filter((j) => j.metadata?.name !== 'without-hahaha');
  for (const j of jobs.sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))) {
    const name = j.metadata?.name ?? '';
    const done = (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
    if (!seen.has(name)) {
      seen.set(name, 'active');
      say(`Job ${name}: ${bold('active')} (main container works for 5 s, five sidecars up)`);
    }
    if (done && seen.get(name) === 'active') {
      seen.set(name, 'complete');
      completed++;
      const took = (Date.parse(String(j.status?.completionTime)) - Date.parse(String(j.status?.startTime))) / 1000;
      say(`Job ${name}: ${bold('complete')} in ${took}s`);
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${name}` });
      for (const p of pods.items) {
        const native = (p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
        const byAction = Object.keys(p.metadata?.annotations ?? {}).filter((k) => k.startsWith('shutdown.hahaha.nais.io/')).map((k) => k.slice('shutdown.hahaha.nais.io/'.length));
        console.log(`            made native by hahaha's webhook, stopped by the kubelet: ${native.join(', ') || 'none'}`);
        console.log(`            shut down by hahaha's action: ${byAction.join(', ') || 'none'}`);
        await describeEvents(p.metadata?.name ?? '');
      }
    }
  }
  await sleep(1000);
}

const without = await batch.readNamespacedJob({ name: 'without-hahaha', namespace: NS });
const stillActive = !(without.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
const pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=without-hahaha' })).items[0];
const running = pod?.status?.containerStatuses?.filter((c) => c.state?.running).map((c) => c.name) ?? [];
console.log();
say(bold(`${completed} of ${RUNS} runs completed with hahaha.`));
say(`Job without-hahaha: ${stillActive ? bold('still active') : 'complete'} after ${age(without.status?.startTime)}; its main container is done but ${running.join(', ')} still run.`);
await batch.deleteNamespacedCronJob({ name: 'dataloader', namespace: NS });
say(`Deleted the CronJob; the namespace ${NS} is left for a look: KUBECONFIG=${paths(stateDir()).kubeconfig('admin')} kubectl -n ${NS} get jobs,pods`);
process.exit(completed === RUNS ? 0 : 1);
