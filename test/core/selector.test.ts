// Label selectors in kubectl's text form: parsing, matching, errors, and the LabelSelector sent
// to the apiserver in webhook objectSelectors.

import t from 'tap';
import { matches, parseSelector, toLabelSelector } from '../../src/core/selector.ts';

const sel = (text: string) => {
  const r = parseSelector(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

t.test('every requirement kind matches as kubectl would', async (t) => {
  const s = sel('nais.io/naisjob=true,team in (a, b),!skip,tier!=web,env notin (dev),owner');
  t.ok(matches(s, { 'nais.io/naisjob': 'true', team: 'a', tier: 'job', owner: 'x' }));
  t.notOk(matches(s, { 'nais.io/naisjob': 'true', team: 'c', owner: 'x' }), 'team not in set');
  t.notOk(matches(s, { 'nais.io/naisjob': 'true', team: 'a', owner: 'x', skip: '' }), '!skip');
  t.notOk(matches(s, { 'nais.io/naisjob': 'true', team: 'a', owner: 'x', tier: 'web' }), 'tier!=web');
  t.notOk(matches(s, { 'nais.io/naisjob': 'true', team: 'a', owner: 'x', env: 'dev' }), 'env notin (dev)');
  t.notOk(matches(s, { 'nais.io/naisjob': 'true', team: 'a' }), 'owner must exist');
  t.notOk(matches(s, { 'nais.io/naisjob': 'false', team: 'a', owner: 'x' }));
  t.ok(matches(sel('a==b'), { a: 'b' }));
});

t.test('bad selectors say what and where', async (t) => {
  const e = (text: string): string => {
    const r = parseSelector(text);
    return r.ok ? 'ok' : r.error;
  };
  t.equal(e(''), 'the selector is empty: it would make every pod managed');
  t.equal(e('a=b,,c'), 'selector "a=b,,c": expected a requirement, got nothing at column 5');
  t.equal(e('a=b, -x=y'), 'selector "a=b, -x=y": "-x" is not a valid label key at column 6');
  t.equal(e('a=b c'), 'selector "a=b c": expected "key", "!key", "key=value", "key!=value" or "key in (a,b)", got "a=b c" at column 1');
  t.equal(e('a in (b,c d)'), 'selector "a in (b,c d)": "c d" is not a valid label value at column 1');
});

t.test('the objectSelector sent to the apiserver says the same thing', async (t) => {
  t.same(toLabelSelector(sel('nais.io/naisjob=true,team in (a,b),!skip,owner')), {
    matchExpressions: [
      { key: 'nais.io/naisjob', operator: 'In', values: ['true'] },
      { key: 'team', operator: 'In', values: ['a', 'b'] },
      { key: 'skip', operator: 'DoesNotExist' },
      { key: 'owner', operator: 'Exists' },
    ],
  });
});
