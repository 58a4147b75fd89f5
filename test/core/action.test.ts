// The action grammar: examples from docs/design.md, every error path with its column, and
// property-based round trips (parse(format(a)) == a, format(parse(s)) == s).

import fc from 'fast-check';
import t from 'tap';
import { type Action, type Step, METHODS, formatAction, parseAction, quoteWord } from '../../src/core/action.ts';

const ok = (text: string): Action => {
  const r = parseAction(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${r.error.message}`);
  return r.value;
};
const err = (text: string): { message: string; column: number } => {
  const r = parseAction(text);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(r.value)}`);
  return r.error;
};

t.test('the catalog actions of docs/design.md parse into typed steps', async (t) => {
  t.same(ok('POST :4191/shutdown'), [{ kind: 'http', method: 'POST', port: 4191, path: '/shutdown' }]);
  t.same(ok('GET :24444/api/processes.killWorkers'), [{ kind: 'http', method: 'GET', port: 24444, path: '/api/processes.killWorkers' }]);
  t.same(ok('exec /bin/kill -s INT 1'), [{ kind: 'exec', argv: ['/bin/kill', '-s', 'INT', '1'] }]);
  t.same(ok('exec /bin/killall configmap-reload'), [{ kind: 'exec', argv: ['/bin/killall', 'configmap-reload'] }]);
  t.same(ok('none'), [{ kind: 'none' }]);
  t.same(ok('PUT :8080/quit?now=1&x=%20'), [{ kind: 'http', method: 'PUT', port: 8080, path: '/quit?now=1&x=%20' }]);
});

t.test('steps are tried in order: "||" separates them', async (t) => {
  t.same(ok('POST :15020/quitquitquit || exec /bin/kill -s TERM 1 || DELETE :1/x'), [
    { kind: 'http', method: 'POST', port: 15020, path: '/quitquitquit' },
    { kind: 'exec', argv: ['/bin/kill', '-s', 'TERM', '1'] },
    { kind: 'http', method: 'DELETE', port: 1, path: '/x' },
  ]);
  t.same(ok('exec sh -c "a || b" || POST :1/'), [
    { kind: 'exec', argv: ['sh', '-c', 'a || b'] },
    { kind: 'http', method: 'POST', port: 1, path: '/' },
  ], 'a quoted || belongs to the argument');
});

t.test('exec words split as a POSIX shell splits them, without expansion', async (t) => {
  t.same(ok(`exec echo 'a b' "c d" e\\ f 'it'\\''s' "x\\"y" "\\$HOME" '$HOME' "a\\nb"`)[0], {
    kind: 'exec',
    argv: ['echo', 'a b', 'c d', 'e f', "it's", 'x"y', '$HOME', '$HOME', 'a\\nb'],
  });
  t.same(ok("exec printf ''")[0], { kind: 'exec', argv: ['printf', ''] }, 'an empty quoted word is a word');
  t.same(ok('exec  kill\t-s   INT 1 ')[0], { kind: 'exec', argv: ['kill', '-s', 'INT', '1'] }, 'runs of blanks separate');
});

t.test('white space around the action and between tokens is folded', async (t) => {
  t.equal(formatAction(ok('  POST   :4191/shutdown   ||   exec x  ')), 'POST :4191/shutdown || exec x');
});

t.test('errors say what was expected, at which column, and what was there', async (t) => {
  const cases: [string, number, string][] = [
    ['kill it please', 1, 'expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "kill it please"'],
    ['', 1, 'expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got ""'],
    ['PATCH :80/x', 1, 'expected an HTTP method (GET, POST, PUT, DELETE) at column 1, got "PATCH"'],
    ['post :80/x', 1, 'expected an HTTP method (GET, POST, PUT, DELETE) at column 1, got "post"'],
    ['POST 80/x', 6, 'expected ":<port>" after the method at column 6, got "80/x"'],
    ['POST:80/x', 1, 'expected "exec <command>", "<METHOD> :<port><path>" or "none" at column 1, got "POST:80/x"'],
    ['POST :0/x', 7, 'expected a port number 1..65535 at column 7, got "0"'],
    ['POST :65536/x', 7, 'expected a port number 1..65535 at column 7, got "65536"'],
    ['POST :080/x', 7, 'expected a port number 1..65535 at column 7, got "080"'],
    ['POST :abc/x', 7, 'expected a port number 1..65535 at column 7, got "abc/x"'],
    ['POST :80', 9, 'expected a path starting with "/" after the port at column 9, got ""'],
    ['POST :80/a b', 12, 'expected " || " or the end of the action at column 12, got "b"'],
    ['POST :80/a#b', 11, 'expected a URL path character (RFC 3986) at column 11, got "#b"'],
    ['POST :80/%zz', 10, 'expected a percent sign followed by two hex digits at column 10, got "%zz"'],
    ['POST :80/x ||', 14, 'expected a step after "||": "exec <command>", "<METHOD> :<port><path>" or "none" at column 14, got ""'],
    ['POST :80/x | exec y', 12, 'expected " || " or the end of the action at column 12, got "| exec y"'],
    ['exec', 5, 'expected a command after "exec" at column 5, got ""'],
    ['exec || none', 6, 'expected a command after "exec" at column 6, got "|| none"'],
    ["exec echo 'open", 16, 'expected a closing single quote at column 16, got ""'],
    ['exec echo "open', 16, 'expected a closing double quote at column 16, got ""'],
    ['exec echo \\', 12, 'expected a character after the backslash at column 12, got ""'],
    ['exec kill 1; rm -rf /', 12, 'unquoted ";" at column 12: hahaha runs the command without a shell; quote it if it belongs to an argument'],
    ['exec echo $HOME', 11, 'unquoted "$" at column 11: hahaha runs the command without a shell; quote it if it belongs to an argument'],
    ['exec a>b', 7, 'unquoted ">" at column 7: hahaha runs the command without a shell; quote it if it belongs to an argument'],
    ['exec kill 1||none', 12, 'unquoted "|" at column 12: hahaha runs the command without a shell; quote it if it belongs to an argument'],
    ['none || POST :1/x', 1, '"none" at column 1 must stand alone: it means the sidecar exits by itself, so no other step can follow or precede it'],
    ['POST :1/x || none', 14, '"none" at column 14 must stand alone: it means the sidecar exits by itself, so no other step can follow or precede it'],
    ['none please', 6, 'expected " || " or the end of the action at column 6, got "please"'],
    ['exec "a\nb"', 8, 'control character U+000A at column 8 is not allowed'],
  ];
  for (const [text, column, message] of cases) {
    const e = err(text);
    t.equal(e.message, message, JSON.stringify(text));
    t.equal(e.column, column, `column of ${JSON.stringify(text)}`);
  }
});

t.test('long offending text is shortened in the message', async (t) => {
  const e = err(`x${'y'.repeat(100)}`);
  t.match(e.message, /got "xy{39}…"$/);
});

// --- properties -----------------------------------------------------------------------------

const word = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_@%+=:,./-]{1,12}$/),
  fc.string({ maxLength: 10 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
  fc.constantFrom('||', 'none', "it's", '"q"', '$HOME', ''),
);
const pathChar = fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@/'.split(''), '%2F');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('http' as const),
    method: fc.constantFrom(...METHODS),
    port: fc.integer({ min: 1, max: 65535 }),
    path: fc
      .tuple(fc.array(pathChar, { maxLength: 12 }), fc.option(fc.array(fc.oneof(pathChar, fc.constant('?')), { maxLength: 6 })))
      .map(([p, q]) => `/${p.join('')}${q === null ? '' : `?${q.join('')}`}`),
  }),
  fc.record({ kind: fc.constant('exec' as const), argv: fc.array(word, { minLength: 1, maxLength: 5 }) }),
);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 1, arbitrary: fc.constant([{ kind: 'none' as const }]) },
  { weight: 6, arbitrary: fc.array(step, { minLength: 1, maxLength: 4 }) },
);

t.test('parse(format(a)) == a for every action', async (t) => {
  fc.assert(
    fc.property(action, (a) => {
      const r = parseAction(formatAction(a));
      return r.ok && JSON.stringify(r.value) === JSON.stringify(a);
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 random actions round-trip');
});

t.test('format(parse(s)) == s for canonical text', async (t) => {
  fc.assert(
    fc.property(action, (a) => {
      const s = formatAction(a);
      const r = parseAction(s);
      return r.ok && formatAction(r.value) === s;
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 canonical texts are fixed points');
});

t.test('parseAction never throws, whatever the text', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 60 }), action.map(formatAction).map((s) => s.slice(0, -1))), (s) => {
      const r = parseAction(s);
      return r.ok || (r.error.column >= 1 && r.error.column <= s.length + 1 && r.error.message.length > 0);
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 arbitrary texts give an action or an error with a column inside the text');
});

t.test('quoteWord leaves safe words bare and quotes the rest', async (t) => {
  t.equal(quoteWord('/bin/kill'), '/bin/kill');
  t.equal(quoteWord('a b'), "'a b'");
  t.equal(quoteWord("it's"), "'it'\\''s'");
  t.equal(quoteWord(''), "''");
  t.equal(quoteWord('||'), "'||'");
});
