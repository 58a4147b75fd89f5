// Writes a pod's record (src/core/state.ts) into its state.hahaha.nais.io/v1 annotation. Each write
// is a compare-and-swap inside the apiserver: a JSON patch that tests the pod's UID and the
// record's old text (or its absence) before it sets the new one. The apiserver applies a patch to
// the object as it is at that moment, retrying its own storage conflicts, so a write never loses
// to the kubelet's status updates (a resourceVersion precondition would, at exactly shutdown
// time), yet two writers that read the same record cannot both win: the second one's test fails
// and it looks again. The record's key is the only thing hahaha's ServiceAccount may change on a
// pod (the chart's admission policy).

import type { V1Pod } from '@kubernetes/client-node';
import { STATE_KEY } from '../core/annotations.ts';
import { type CallOptions, type KubeClient, apiPath } from '../kube/client.ts';
import { REQUEST_TIMEOUT_MS, deadline, statusOf } from './api.ts';

export interface RecordRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** Why a write did not happen because the pod it was for is no longer there. */
export const GONE = 'the pod is gone';

/** How a write went: written (with the pod's new resourceVersion), or someone else wrote first. */
export type RecordWrite = { readonly written: true; readonly resourceVersion: string } | { readonly written: false; readonly why: string };

export interface RecordWriter {
  /** Replace the record `old` (undefined: none yet) with `text`; throws on anything but a lost race. */
  write(pod: RecordRef, old: string | undefined, text: string, hasAnnotations: boolean): Promise<RecordWrite>;
}

/** The JSON pointer of the record's annotation (RFC 6901: "/" in the key is "~1"). */
export const RECORD_POINTER = `/metadata/annotations/${STATE_KEY.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/** The JSON patch that sets the record only if it still is `old` on the pod of this UID. */
export function recordPatch(uid: string, old: string | undefined, text: string, hasAnnotations: boolean): object[] {
  const sameUid = { op: 'test', path: '/metadata/uid', value: uid };
  // `test` with a null value passes where the member is absent (evanphx/json-patch, the apiserver's).
  if (!hasAnnotations) return [sameUid, { op: 'test', path: '/metadata/annotations', value: null }, { op: 'add', path: '/metadata/annotations', value: { [STATE_KEY]: text } }];
  return [sameUid, { op: 'test', path: RECORD_POINTER, value: old ?? null }, { op: 'add', path: RECORD_POINTER, value: text }];
}

export function kubeRecordWriter(client: KubeClient, requestTimeoutMs = REQUEST_TIMEOUT_MS): RecordWriter {
  return {
    async write(pod, old, text, hasAnnotations) {
      const path = apiPath`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`;
      const options: CallOptions = deadline(requestTimeoutMs, undefined, { 'Content-Type': 'application/json-patch+json' });
      try {
        const patched = await client.patch<{ metadata?: { resourceVersion?: string } }>(path, recordPatch(pod.uid, old, text, hasAnnotations), options);
        return { written: true, resourceVersion: patched?.metadata?.resourceVersion ?? '' };
      } catch (err) {
        if (statusOf(err) === 404) return { written: false, why: GONE };
        if (statusOf(err) !== 422) throw err;
        // A failed `test` is a 422 that says only "the server rejected our request" (as does any
        // patch that cannot apply), so look: only a record (or pod) that changed is a lost race.
        let now: V1Pod | undefined;
        try {
          now = await client.get<V1Pod>(path, deadline(requestTimeoutMs));
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
        if (!now || now.metadata?.uid !== pod.uid) return { written: false, why: GONE };
        const annotations = now.metadata?.annotations;
        if (annotations?.[STATE_KEY] !== old || (annotations !== undefined) !== hasAnnotations) return { written: false, why: 'the record changed since it was read' };
        throw err;
      }
    },
  };
}
