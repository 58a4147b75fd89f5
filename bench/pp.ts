import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { mutate, parseReview } from '../src/core/admission.ts';
import { loadConfig } from '../src/config.ts';
const pod = parse(readFileSync('test/fixtures/pods/naisjob.yaml', 'utf8'));
const c = await loadConfig({ selector: 'nais.io/naisjob=true' }); if (!c.ok) throw 1;
const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'x', operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'a', object: pod } });
const mode = process.argv[2] === 'on' ? { convert: true, code: 'mode-on', reason: 'b' } as const : undefined;
for (let i = 0; i < 5000; i++) { const p = parseReview(JSON.parse(body)); if (p.ok) mutate(p.request, c.value, mode); }
const t0 = performance.now(); const N = 40000;
for (let i = 0; i < N; i++) { const p = parseReview(JSON.parse(body)); if (p.ok) mutate(p.request, c.value, mode); }
console.log(((performance.now() - t0) * 1000 / N).toFixed(1), 'µs per parse+mutate', body.length, 'bytes');
const t1 = performance.now();
for (let i = 0; i < N; i++) JSON.parse(body);
console.log(((performance.now() - t1) * 1000 / N).toFixed(1), 'µs per JSON.parse');
