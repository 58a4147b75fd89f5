// Builders of AdmissionReview requests for tests, shaped as the apiserver sends them.

import { randomUUID } from 'node:crypto';

export function review(object: unknown, opts: { operation?: string; oldObject?: unknown; resource?: string; subResource?: string; dryRun?: boolean } = {}): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: opts.resource ?? 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: opts.resource ?? 'pods' },
      ...(opts.subResource ? { subResource: opts.subResource } : {}),
      namespace: 'team-data',
      operation: opts.operation ?? 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:job-controller', groups: ['system:serviceaccounts'] },
      object,
      oldObject: opts.oldObject ?? null,
      dryRun: opts.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

export const uidOf = (r: Record<string, unknown>): string => (r.request as { uid: string }).uid;
