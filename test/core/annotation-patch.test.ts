// annotationPatch writes the mutating webhook's annotation operations directly; fast-json-patch's
// compare() of the before and after maps, which it replaced on the hot path, is the oracle.

import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import t from 'tap';
import { annotationPatch } from '../../src/core/admission.ts';
import { podView } from '../../src/core/pod.ts';

// "__proto__" is no annotation key (a qualified name starts with a letter or digit), and fast-json-patch refuses it.
const key = fc.oneof(fc.string().filter((k) => k !== '__proto__'), fc.constantFrom('hahaha.nais.io/main-container', 'a~b', 'x/y~1z', '~', '/', ''));
/** Operations on distinct keys commute: compare() lists replacements first, annotationPatch keeps the additions' order. */
const sorted = (ops: readonly unknown[]): string => JSON.stringify(ops.map((o) => JSON.stringify(o)).sort());
const map = fc.dictionary(key, fc.string(), { maxKeys: 8 });

t.test('the operations are what compare() gives, and applied they give the annotations plus the additions', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.option(map, { nil: undefined }), map, (annotations, additions) => {
        const pod = podView({ metadata: { name: 'p', ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: 'c' }] } });
        const ops = annotationPatch(pod, additions);
        const before = { metadata: pod.hasAnnotations ? { annotations: pod.annotations } : {} };
        const after = { metadata: { annotations: { ...pod.annotations, ...additions } } };
        // No additions: nothing at all (compare() would add an empty map to a pod that has none).
        const oracle = Object.keys(additions).length ? fastJsonPatch.compare(before, after) : [];
        const applied = fastJsonPatch.applyPatch(structuredClone(before), ops, true, false).newDocument;
        const want = Object.keys(after.metadata.annotations).length || pod.hasAnnotations ? after : before;
        return sorted(ops) === sorted(oracle) && JSON.stringify(applied) === JSON.stringify(want);
      }),
      { numRuns: 3000 },
    ),
  );
  t.same(annotationPatch(podView({ metadata: {} }), { 'a/b': 'x' }), [{ op: 'add', path: '/metadata/annotations', value: { 'a/b': 'x' } }], 'no map: one add of the map');
  t.same(annotationPatch(podView({ metadata: { annotations: { k: 'old' } } }), { 'a/b~c': 'x', k: 'new' }), [
    { op: 'add', path: '/metadata/annotations/a~1b~0c', value: 'x' },
    { op: 'replace', path: '/metadata/annotations/k', value: 'new' },
  ]);
});
