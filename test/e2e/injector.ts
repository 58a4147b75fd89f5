// Second mutating webhooks, registered after hahaha's (webhooks run in name order), that inject a
// linkerd-proxy as linkerd's proxy injector does, or a vault-agent as vault-k8s does: an init container and the proxy container. The
// apiserver then re-invokes hahaha's webhook (reinvocationPolicy IfNeeded), which must annotate
// the injected sidecar. Served over HTTPS with the local cluster's webhook certificate.
//
// Like linkerd2's injector (pkg/inject/inject.go), it reads the native switch from the stable, beta
// or alpha annotation, in that order, with Go's strconv.ParseBool, and then injects the proxy as a
// native sidecar (an init container with restartPolicy Always, after linkerd-init); and it sets
// LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED from config.linkerd.io/proxy-admin-shutdown, as the
// chart's _proxy.tpl does.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { Test } from 'tap';
import { P, kc } from './cluster.ts';
import { IMAGES } from './realnode.ts';

export const INJECT_LABEL = 'e2e.hahaha.nais.io/inject';

interface Review {
  request: { uid: string; object: { metadata?: { annotations?: Record<string, string> }; spec: { containers: { name: string }[]; initContainers?: { name: string }[] } } };
}

const NATIVE_KEYS = ['config.linkerd.io/proxy-enable-native-sidecar', 'config.beta.linkerd.io/proxy-enable-native-sidecar', 'config.alpha.linkerd.io/proxy-enable-native-sidecar'];
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** linkerd's switch: the first of the three keys the pod has, parsed as Go's ParseBool parses it. */
export function wantsNative(annotations: Record<string, string> = {}): boolean {
  const key = NATIVE_KEYS.find((k) => annotations[k] !== undefined);
  return key !== undefined && TRUE.has(annotations[key] ?? '');
}

type Patch = Record<string, unknown>[];

/** The images the injector adds: linkerd's own names for simulated pods, the ones built here for the real node. */
interface LinkerdImages {
  readonly proxy: Record<string, unknown>;
  readonly init: Record<string, unknown>;
}
const SIMULATED: LinkerdImages = { proxy: { image: 'cr.l5d.io/linkerd/proxy:edge-25.11.1' }, init: { image: 'cr.l5d.io/linkerd/proxy-init:v2.4.1', args: ['--incoming-proxy-port', '4143'] } };
/** On the real node: the proxy stand-in, and an init container that only exits 0 (linkerd-init's iptables rules have no place here). */
const REAL: LinkerdImages = {
  proxy: { image: IMAGES.linkerdProxy, imagePullPolicy: 'Never' },
  init: { image: IMAGES.busybox, imagePullPolicy: 'Never', command: ['/bin/true'] },
};

/** linkerd's proxy injector, as described above. */
function linkerdPatch(review: Review, images: LinkerdImages): Patch {
  const { spec, metadata } = review.request.object;
  const annotations = metadata?.annotations ?? {};
  const proxy = {
    name: 'linkerd-proxy',
    ...images.proxy,
    ports: [{ name: 'linkerd-admin', containerPort: 4191 }],
    env: [{ name: 'LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED', value: String(annotations['config.linkerd.io/proxy-admin-shutdown'] === 'enabled') }],
  };
  const injected = [...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.name === 'linkerd-proxy');
  return injected
    ? []
    : [
        ...(spec.initContainers ? [] : [{ op: 'add', path: '/spec/initContainers', value: [] }]),
        { op: 'add', path: '/spec/initContainers/-', value: { name: 'linkerd-init', ...images.init } },
        wantsNative(annotations)
          ? { op: 'add', path: '/spec/initContainers/-', value: { ...proxy, restartPolicy: 'Always' } }
          : { op: 'add', path: '/spec/containers/-', value: proxy },
      ];
}

/**
 * vault-k8s's agent injector (agent-inject/agent/agent.go): it has no native mode; it adds
 * vault-agent-init to initContainers and vault-agent to containers, and marks the pod with
 * vault.hashicorp.com/agent-inject-status: injected, which ShouldInject checks so it never injects twice.
 */
function vaultPatch(review: Review): Patch {
  const { spec, metadata } = review.request.object;
  if (metadata?.annotations?.['vault.hashicorp.com/agent-inject-status'] === 'injected') return [];
  const agent = { name: 'vault-agent', image: 'hashicorp/vault:1.18.3', args: ['agent', '-config=/vault/configs/config.hcl'] };
  return [
    ...(metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
    { op: 'add', path: '/metadata/annotations/vault.hashicorp.com~1agent-inject-status', value: 'injected' },
    ...(spec.initContainers ? [] : [{ op: 'add', path: '/spec/initContainers', value: [] }]),
    { op: 'add', path: '/spec/initContainers/-', value: { ...agent, name: 'vault-agent-init' } },
    { op: 'add', path: '/spec/containers/-', value: agent },
  ];
}

export const linkerdInjector = (t: Test): Promise<{ calls: () => number }> => testInjector(t, 'linkerd', (r) => linkerdPatch(r, SIMULATED));
/** The same injector for pods on the real node (label INJECT_LABEL=linkerd-real), with the images built here. */
export const realLinkerdInjector = (t: Test): Promise<{ calls: () => number }> => testInjector(t, 'linkerd-real', (r) => linkerdPatch(r, REAL));
export const vaultInjector = (t: Test): Promise<{ calls: () => number }> => testInjector(t, 'vault', vaultPatch);

/** A mutating webhook named after hahaha's (so it runs after it), for pods labelled INJECT_LABEL=kind, reinvocationPolicy Never as both injectors' charts leave it. */
async function testInjector(t: Test, kind: string, patchOf: (r: Review) => Patch): Promise<{ calls: () => number }> {
  let calls = 0;
  const server = createServer({ cert: readFileSync(join(P.webhookCerts, 'tls.crt')), key: readFileSync(join(P.webhookCerts, 'tls.key')) }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls++;
      const review = JSON.parse(body) as Review;
      const patch = patchOf(review);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: review.request.uid, allowed: true, ...(patch.length ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}) },
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const api = kc().makeApiClient(AdmissionregistrationV1Api);
  const name = `zz-e2e-${kind}-injector-${port}`;
  await api.createMutatingWebhookConfiguration({
    body: {
      metadata: { name },
      webhooks: [{
        name: 'inject.e2e.hahaha.nais.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        reinvocationPolicy: 'Never',
        timeoutSeconds: 5,
        clientConfig: { url: `https://127.0.0.1:${port}/inject`, caBundle: readFileSync(join(P.webhookCerts, 'ca.crt')).toString('base64') },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
        objectSelector: { matchLabels: { [INJECT_LABEL]: kind } },
      }],
    },
  });
  t.teardown(async () => {
    await api.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
    server.closeAllConnections();
    server.close();
  });
  // The apiserver picks up new webhook configurations within a moment.
  await new Promise((r) => setTimeout(r, 1500));
  return { calls: () => calls };
}
