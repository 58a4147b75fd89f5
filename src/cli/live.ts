// Reading a live pod for `hahaha explain POD`: the pod through the API, and the events hahaha
// wrote about it (when the caller may list events; without that, the plan alone is shown).

import type { EventsV1EventList, V1Pod } from '@kubernetes/client-node';
import { REQUEST_TIMEOUT_MS, deadline } from '../controller/api.ts';
import { kubeClient } from '../controller/run.ts';
import { apiPath } from '../kube/client.ts';
import { UsageError } from './flags.ts';

export interface LiveEvent {
  readonly time: string;
  readonly type: string;
  readonly reason: string;
  readonly container?: string;
  readonly note: string;
  readonly count: number;
}

export interface LivePod {
  readonly pod: V1Pod;
  readonly events: LiveEvent[];
}

export async function readLivePod(name: string, namespace: string | undefined, kubeconfig: string | undefined): Promise<LivePod> {
  let client;
  try {
    client = kubeClient(kubeconfig);
  } catch (e) {
    throw new UsageError(`cannot load the kubeconfig: ${(e as Error).message}`);
  }
  const ns = namespace ?? client.config.namespace ?? 'default';
  let pod: V1Pod;
  try {
    pod = await client.get<V1Pod>(apiPath`/api/v1/namespaces/${ns}/pods/${name}`, deadline(REQUEST_TIMEOUT_MS));
  } catch (e) {
    client.close();
    const code = (e as { code?: number }).code;
    throw new UsageError(code === 404 ? `pod ${ns}/${name} not found` : `cannot read pod ${ns}/${name}: ${(e as Error).message.split('\n')[0]}`);
  }
  let events: LiveEvent[] = [];
  try {
    const list = await client.get<EventsV1EventList>(apiPath`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      ...deadline(REQUEST_TIMEOUT_MS),
      query: { fieldSelector: `regarding.uid=${pod.metadata?.uid ?? ''}` },
    });
    events = list.items
      .filter((e) => e.reportingController === 'hahaha')
      .map((e) => {
        const t = (e.eventTime as unknown) ?? e.metadata?.creationTimestamp;
        const container = /spec\.(?:initContainers|containers)\{(.+)\}/.exec(e.regarding?.fieldPath ?? '')?.[1];
        return {
          time: t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '',
          type: e.type ?? '',
          reason: e.reason ?? '',
          ...(container ? { container } : {}),
          note: e.note ?? '',
          count: e.series?.count ?? 1,
        };
      })
      .sort((a, b) => a.time.localeCompare(b.time));
  } catch {
    // Not allowed to list events: the plan alone still says where the pod stands.
  }
  client.close();
  return { pod, events };
}
