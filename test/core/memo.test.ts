// The bounded memo: the same value for the same key, made once, and starting over when full.

import t from 'tap';
import { remembered } from '../../src/core/memo.ts';

t.test('made once per key, the same string back, and never more than the limit kept', async (t) => {
  const made: string[] = [];
  const f = remembered((k) => (made.push(k), `p/${k}`), 2);
  t.equal(f('a'), 'p/a');
  t.equal(f('a'), 'p/a');
  t.same(made, ['a'], 'made once');
  f('b');
  f('c'); // full: starts over, then keeps c
  f('a');
  t.same(made, ['a', 'b', 'c', 'a'], 'a was forgotten when the memo filled up');
  f('c');
  t.same(made, ['a', 'b', 'c', 'a'], 'c was kept after the start-over');
});
