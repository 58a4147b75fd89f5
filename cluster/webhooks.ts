// hahaha's webhook registrations on the local cluster: the MutatingWebhookConfiguration and the
// ValidatingWebhookConfiguration `hahaha`, pointing at hahaha serve on 127.0.0.1 by URL, trusted
// through the webhook CA, limited to managed pods by the same selector hahaha itself uses.

import { parseSelector, toLabelSelector } from '../src/core/selector.ts';
import { DEFAULT_SELECTOR } from '../src/config.ts';
import { HOST } from './layout.ts';

export const WEBHOOK_NAME = 'hahaha';
export const MUTATING_PATH = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
export const VALIDATING_PATH = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';

/** The managed-pod selector: $HAHAHA_SELECTOR (as hahaha serve reads it), else hahaha's default. */
export function selectorText(env: NodeJS.ProcessEnv = process.env): string {
  return env.HAHAHA_SELECTOR || DEFAULT_SELECTOR;
}

export function webhookConfigurations(o: { port: number; caBundlePem: string; selector: string }): { mutating: object; validating: object } {
  const parsed = parseSelector(o.selector);
  if (!parsed.ok) throw new Error(`HAHAHA_SELECTOR: ${parsed.error}`);
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    timeoutSeconds: 5,
    matchPolicy: 'Equivalent',
    objectSelector: toLabelSelector(parsed.value),
    namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] },
  };
  const caBundle = Buffer.from(o.caBundlePem).toString('base64');
  const url = (path: string): string => `https://${HOST}:${o.port}${path}`;
  return {
    mutating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: WEBHOOK_NAME, labels: { 'app.kubernetes.io/name': 'hahaha', 'app.kubernetes.io/managed-by': 'hahaha-cluster-up' } },
      webhooks: [
        {
          name: 'mutate.hahaha.nais.io',
          clientConfig: { url: url('/mutate'), caBundle },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
          failurePolicy: 'Ignore',
          reinvocationPolicy: 'IfNeeded',
          ...common,
        },
      ],
    },
    validating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: WEBHOOK_NAME, labels: { 'app.kubernetes.io/name': 'hahaha', 'app.kubernetes.io/managed-by': 'hahaha-cluster-up' } },
      webhooks: [
        {
          name: 'validate.hahaha.nais.io',
          clientConfig: { url: url('/validate'), caBundle },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' }],
          // Fail closed on the local cluster, so that a broken hahaha shows at once.
          failurePolicy: 'Fail',
          ...common,
        },
      ],
    },
  };
}
