// hahaha's webhooks as the real apiserver calls them: a managed pod comes out annotated; a second
// mutating webhook that injects linkerd-proxy makes the apiserver re-invoke hahaha's, which then
// annotates the injected sidecar; a bad annotation is refused with hahaha's message.

import t from 'tap';
import { core, namespace } from './cluster.ts';
import { INJECT_LABEL, linkerdInjector } from './injector.ts';

const pod = (ns: string, name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
  namespace: ns,
  body: {
    // Shutdown annotations are what these tests are about: the sidecars stay regular containers.
    metadata: { name, labels: { app: name, 'nais.io/naisjob': 'true', ...labels }, annotations: { 'hahaha.nais.io/native-sidecars': 'false', ...annotations } },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name, image: 'ghcr.io/e2e/main:1' },
        { name: 'cloudsql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', args: ['--quitquitquit'] },
      ],
    },
  },
});

t.test('a managed pod created through the API comes out with hahaha\'s annotations', async (t) => {
  const ns = await namespace(t, 'admit');
  const created = await core().createNamespacedPod(pod(ns, 'plain', {}));
  t.match(created.metadata?.annotations, {
    'hahaha.nais.io/main-container': 'plain',
    'shutdown.hahaha.nais.io/cloudsql-proxy': 'POST :9091/quitquitquit',
    'config.linkerd.io/proxy-admin-shutdown': 'enabled',
  });
  const unmanaged = await core().createNamespacedPod({ namespace: ns, body: { metadata: { name: 'other', labels: { app: 'other' } }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:1' }] } } });
  t.equal(unmanaged.metadata?.annotations, undefined, 'pods outside the selector are not touched');
});

t.test('after a later webhook injects linkerd-proxy, hahaha is re-invoked and annotates it', async (t) => {
  const ns = await namespace(t, 'reinvoke');
  const injector = await linkerdInjector(t);
  const created = await core().createNamespacedPod(pod(ns, 'meshed', { [INJECT_LABEL]: 'linkerd' }));
  t.same(created.spec?.containers.map((c) => c.name), ['meshed', 'cloudsql-proxy', 'linkerd-proxy'], 'the injector ran');
  t.same(created.spec?.initContainers?.map((c) => c.name), ['linkerd-init']);
  t.equal(created.metadata?.annotations?.['shutdown.hahaha.nais.io/linkerd-proxy'], 'POST :4191/shutdown', 're-invoked hahaha annotated the injected proxy');
  t.equal(created.metadata?.annotations?.['config.linkerd.io/proxy-admin-shutdown'], 'enabled', 'the prerequisite was there before the injector ran');
  t.equal(created.metadata?.annotations?.['shutdown.hahaha.nais.io/linkerd-init'], undefined, 'init containers are never sidecars');
  t.ok(injector.calls() >= 1);
});

t.test('a pod with a bad shutdown annotation is refused by the apiserver with hahaha\'s message', async (t) => {
  const ns = await namespace(t, 'deny');
  const err = await core()
    .createNamespacedPod(pod(ns, 'bad', {}, { 'shutdown.hahaha.nais.io/cloudsql-proxy': 'kill it please' }))
    .then(() => undefined, (e: unknown) => e as { code?: number; body?: string });
  t.equal(err?.code, 400);
  t.equal(
    (JSON.parse(String(err?.body)) as { message: string }).message,
    'admission webhook "validate.hahaha.nais.io" denied the request: shutdown.hahaha.nais.io/cloudsql-proxy: expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "kill it please"',
  );
  const policy = await core()
    .createNamespacedPod(pod(ns, 'sneaky', {}, { 'shutdown.hahaha.nais.io/cloudsql-proxy': 'exec /bin/sh -c "curl evil"' }))
    .then(() => undefined, (e: unknown) => e as { body?: string });
  t.match(String(policy?.body), 'is not allowed by the exec policy');
});
