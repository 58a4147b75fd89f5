// cachedPod: the controller's cache keeps a pod cut down to what podView reads. The cut must never
// change what hahaha sees of a pod (podView, problems included), for real pods and for any JSON.

import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { cachedPod, podView } from '../../src/core/pod.ts';

const fixtures = new URL('../fixtures/pods/', import.meta.url);
const pods = readdirSync(fixtures).flatMap((f) => parseAllDocuments(readFileSync(new URL(f, fixtures), 'utf8')).map((d) => ({ file: f, pod: d.toJS() as unknown })));

/** A pod as the apiserver sends it to a watch: the fixture with the fields a running pod carries. */
function asServed(pod: unknown): Record<string, unknown> {
  const p = structuredClone(pod) as { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] }; status?: unknown };
  p.metadata.managedFields = [{ manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': {} } }, time: '2026-12-02T10:00:00Z' }];
  p.metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u', controller: true }];
  p.metadata.resourceVersion = '42';
  p.metadata.creationTimestamp = '2026-12-02T10:00:00Z';
  for (const c of p.spec.containers) {
    c.resources = { requests: { cpu: '10m', memory: '16Mi' } };
    c.volumeMounts = [{ name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }];
    c.env = [...((c.env as unknown[] | undefined) ?? []), { name: 'FROM', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
  }
  p.status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: p.spec.containers.map((c, i) => ({
      name: c.name,
      image: c.image,
      imageID: 'sha256:0',
      ready: i > 0,
      restartCount: 1,
      started: true,
      containerID: `containerd://${i}`,
      lastState: {},
      state: i === 0 ? { terminated: { exitCode: 0, reason: 'Completed', message: 'x'.repeat(4096), startedAt: '2026-12-02T10:00:00Z', finishedAt: '2026-12-02T10:01:00Z' } } : { running: { startedAt: '2026-12-02T10:00:00Z' } },
    })),
  };
  return p;
}

t.test('a served pod is seen the same through its cached copy, which is much smaller', async (t) => {
  t.ok(pods.length >= 8, 'the fixtures load');
  for (const { file, pod } of pods) {
    const served = asServed(pod);
    const cached = cachedPod(served) as { metadata: Record<string, unknown>; status: { containerStatuses: Record<string, unknown>[] } };
    t.same(podView(cached), podView(served), `${file}: the same view`);
    t.equal(cached.metadata.resourceVersion, '42', `${file}: resourceVersion kept (the cache compares it)`);
    t.equal(cached.metadata.managedFields, undefined, `${file}: managedFields dropped`);
    t.equal(cached.status.containerStatuses[0]?.lastState, undefined, `${file}: lastState dropped`);
    t.ok(JSON.stringify(cached).length < JSON.stringify(served).length / 3, `${file}: under a third of the size (${JSON.stringify(cached).length} of ${JSON.stringify(served).length} bytes)`);
  }
});

t.test('any JSON is seen the same through its cached copy, problems included', async (t) => {
  const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  const state = fc.record({ terminated: fc.oneof(leaf, fc.record({ exitCode: fc.oneof(fc.integer(), fc.string()), reason: leaf, finishedAt: leaf, message: fc.string() }, { requiredKeys: [] })), running: fc.oneof(leaf, fc.record({ startedAt: fc.string() })), waiting: fc.oneof(leaf, fc.record({ reason: leaf, message: leaf }, { requiredKeys: [] })) }, { requiredKeys: [] });
  const status = fc.oneof(leaf, fc.record({ name: leaf, state: fc.oneof(leaf, state), restartCount: fc.oneof(fc.integer(), fc.string()), containerID: leaf, started: leaf, ready: leaf }, { requiredKeys: [] }));
  const env = fc.oneof(leaf, fc.record({ name: leaf, value: leaf, valueFrom: fc.object() }, { requiredKeys: [] }));
  const container = fc.oneof(leaf, fc.record({ name: leaf, image: leaf, command: fc.oneof(leaf, fc.array(leaf)), args: fc.oneof(leaf, fc.array(leaf)), env: fc.oneof(leaf, fc.array(env)), restartPolicy: leaf, ports: fc.array(fc.object()) }, { requiredKeys: [] }));
  const map = fc.oneof(leaf, fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())));
  const pod = fc.oneof(
    fc.anything(),
    fc.record(
      {
        metadata: fc.oneof(leaf, fc.record({ name: leaf, generateName: leaf, namespace: leaf, uid: leaf, labels: map, annotations: map, deletionTimestamp: leaf, managedFields: fc.array(fc.object()) }, { requiredKeys: [] })),
        spec: fc.oneof(leaf, fc.record({ containers: fc.oneof(leaf, fc.array(container)), initContainers: fc.oneof(leaf, fc.array(container)), restartPolicy: leaf, terminationGracePeriodSeconds: fc.oneof(fc.integer(), leaf), volumes: fc.array(fc.object()) }, { requiredKeys: [] })),
        status: fc.oneof(leaf, fc.record({ phase: leaf, containerStatuses: fc.oneof(leaf, fc.array(status)), initContainerStatuses: fc.oneof(leaf, fc.array(status)), conditions: fc.array(fc.object()) }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    ),
  );
  t.doesNotThrow(() => fc.assert(fc.property(pod, (p) => isDeepStrictEqual(podView(cachedPod(p)), podView(p))), { numRuns: 2000 }), '2,000 generated pods');
  t.end();
});
