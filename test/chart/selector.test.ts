// The chart's selector helper (templates/_helpers.tpl, "hahaha.objectSelector") is a second
// implementation of hahaha's selector parser, in Go templates. For a table of selectors, the
// objectSelector it renders must equal toLabelSelector(parseSelector(text)) from
// src/core/selector.ts, and the selectors hahaha refuses must fail the render too.

import t from 'tap';
import { parseSelector, toLabelSelector } from '../../src/core/selector.ts';
import { type K8sObject, parseManifests, templateRun } from './helm.ts';

const VALID = [
  'nais.io/naisjob=true',
  'nais.io/naisjob==true',
  'app!=legacy',
  'team in (a,b)',
  'team in (a, b ,c)',
  'team notin (x)',
  'team in(a)',
  'managed',
  '!skip',
  '! skip',
  'team in (a,b),!skip',
  'a=b,c in (d,e),!f,g',
  ' a = b , c != d ',
  'example.com/tier=gold,example.com/opt-out',
  'a=',
  'a in ()',
  'app.kubernetes.io/part-of notin (legacy, old),nais.io/naisjob=true',
  'k8s.io/x_y.z=A-b_c.9',
  'in=notin',
  'x in (a),y notin (b),z',
];

const INVALID = [
  'a in (b',
  'a,,b',
  'a,',
  ',a',
  'a in (b,c)d',
  'a=(b)',
  'a=b c',
  'Upper.Case/key=x',
  'a=-b',
  `k=${'v'.repeat(64)}`,
  'a b',
  '!',
  '!a=b',
  'a in (b,-c)',
  'a),b',
];

interface Expr { key: string; operator: string; values?: string[] }
const selectorOf = (objs: K8sObject[], kind: string): { matchExpressions: Expr[] } =>
  (objs.find((o) => o.kind === kind) as unknown as { webhooks: { objectSelector: { matchExpressions: Expr[] } }[] }).webhooks[0]!.objectSelector;

t.test('valid selectors render the LabelSelector that hahaha derives from them', async (t) => {
  await Promise.all(VALID.map(async (text) => {
    const parsed = parseSelector(text);
    t.ok(parsed.ok, `hahaha accepts ${JSON.stringify(text)}`);
    if (!parsed.ok) return;
    const r = await templateRun({ selector: text });
    t.equal(r.code, 0, `the chart accepts ${JSON.stringify(text)}${r.stderr ? `: ${r.stderr}` : ''}`);
    if (r.code !== 0) return;
    const objs = parseManifests(r.stdout);
    const want = toLabelSelector(parsed.value);
    t.same(selectorOf(objs, 'MutatingWebhookConfiguration'), want, `mutating objectSelector of ${JSON.stringify(text)}`);
    t.same(selectorOf(objs, 'ValidatingWebhookConfiguration'), want, `validating objectSelector of ${JSON.stringify(text)}`);
  }));
});

t.test('selectors hahaha refuses fail the render, naming the selector', async (t) => {
  await Promise.all(INVALID.map(async (text) => {
    t.notOk(parseSelector(text).ok, `hahaha refuses ${JSON.stringify(text)}`);
    const r = await templateRun({ selector: text });
    t.not(r.code, 0, `the chart refuses ${JSON.stringify(text)}`);
    t.match(r.stderr, `selector ${JSON.stringify(text)}`, 'the message quotes the selector');
  }));
});

t.test('an empty selector (every pod managed) is refused with a reason', async (t) => {
  const empty = await templateRun({ selector: '' });
  t.not(empty.code, 0);
  t.match(empty.stderr, "at '/selector': minLength", 'by the schema');
  const blank = await templateRun({ selector: '   ' });
  t.not(blank.code, 0);
  t.match(blank.stderr, 'selector is empty: it would make every pod managed');
  t.notOk(parseSelector('   ').ok);
});
