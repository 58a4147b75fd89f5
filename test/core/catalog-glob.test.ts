// Image patterns: `*` matching in linear time, whatever the image (a pod author chooses it) and
// however many `*`s the pattern has, with the semantics of the regex it replaced.

import t from 'tap';
import fc from 'fast-check';
import { type Catalog, BUILTIN_CATALOG, MAX_IMAGE_LENGTH, globMatches, imageRepository, matchCatalog } from '../../src/core/catalog.ts';
import { mustParseAction } from '../../src/core/action.ts';

const catalogOf = (...images: string[]): Catalog => [
  { names: [], images, action: mustParseAction('none'), podAnnotations: {}, requires: [], native: { kind: 'move' } },
];

/**
 * The reference: the regex the catalog used to build (every `*` is `.*`, everything else literal,
 * a pattern without `*` normalised as an image), with `s` so that `*` matches any character as the
 * catalog documents (the old regex's `.` stopped at line breaks, which no image reference has).
 */
function reference(pattern: string, text: string): boolean {
  const body = pattern.includes('*') ? pattern : imageRepository(pattern);
  return new RegExp(`^${body.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's').test(text);
}

/** Milliseconds that f takes, the least of three runs (a GC or a busy machine is not the matcher). */
function time(f: () => void): number {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f();
    least = Math.min(least, performance.now() - t0);
  }
  return least;
}

// Patterns whose regex backtracks: with k `*`s a failing match costs about n^k steps. `*a*a*a*b`
// against 500 characters took 29 s with the regex, `*/team/*-exporter` against 40,000 took 0.55 s.
const hostile = ['*/team/*-exporter', '*a*a*a*b', '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', `*${'a*'.repeat(200)}b`, '*/*/*/*/*/*/*/*/x', '*aaaaaaaaaaaa*aaaaaaaaaaaab'];

t.test('an image up to the cap is matched in linear time against patterns with many *s', async (t) => {
  const images = [
    `r.io/${'a'.repeat(MAX_IMAGE_LENGTH - 5)}`,
    `r.io/${'team/'.repeat(203)}team`,
    `r.io/${'/'.repeat(MAX_IMAGE_LENGTH - 5)}`,
  ];
  for (const image of images) {
    t.equal(image.length, MAX_IMAGE_LENGTH);
    const ms = time(() => t.equal(matchCatalog(catalogOf(...hostile), { name: 'x', image }), undefined));
    t.ok(ms < 200, `${image.slice(0, 12)}… (${image.length} characters) took ${ms.toFixed(1)} ms`);
  }
  // And the same patterns still match what they should.
  t.ok(matchCatalog(catalogOf('*/team/*-exporter'), { name: 'x', image: 'r.io/team/node-exporter:1' }));
  t.ok(matchCatalog(catalogOf('*a*a*a*b'), { name: 'x', image: 'r.io/xaxaxab' }));
});

t.test('a multi-megabyte image is matched fast, and does not match by image', async (t) => {
  for (const image of [`r.io/team/${'team/'.repeat(800_000)}x-exporter`, `r.io/${'a'.repeat(4_000_000)}b`]) {
    const ms = time(() => t.equal(matchCatalog(catalogOf(...hostile), { name: 'x', image }), undefined, 'over the cap: no match by image'));
    t.ok(ms < 200, `${image.length} characters took ${ms.toFixed(1)} ms`);
  }
  const long = `r.io/${'x'.repeat(MAX_IMAGE_LENGTH)}/linkerd/proxy`;
  t.equal(matchCatalog(BUILTIN_CATALOG, { name: 'linkerd-proxy', image: long })?.names[0], 'linkerd-proxy', 'the name still matches');
  t.equal(matchCatalog(BUILTIN_CATALOG, { name: 'x', image: long }), undefined, 'an image over the cap is not a real image');
  const atCap = `r.io/${'x'.repeat(MAX_IMAGE_LENGTH - 5 - '/linkerd/proxy:1'.length)}/linkerd/proxy:1`;
  t.equal(atCap.length, MAX_IMAGE_LENGTH);
  t.equal(matchCatalog(BUILTIN_CATALOG, { name: 'x', image: atCap })?.names[0], 'linkerd-proxy', 'an image at the cap still matches');
});

t.test('the matcher itself is linear on megabytes of text, whatever the number of *s', async (t) => {
  // 1M characters, 2 MB: about 20 ms for the slowest case here (a 2-character piece is searched for
  // with memchr and a compare at every position), where the regex took minutes.
  const n = 1_000_000;
  // Texts whose first and last pieces match, so that the middle pieces are searched for in all of it;
  // the long pieces are the worst cases of a naive substring search.
  const cases: [string, string, boolean][] = [
    ['*/team/*-exporter', `r.io/${'team'.repeat(n / 4)}-exporter`, false],
    ['*/team/*-exporter', `r.io/${'team/'.repeat(n / 5)}x-exporter`, true],
    ['*a*a*a*b', `${'a'.repeat(n)}b`, true],
    ['*ac*ac*ac*b', `${'a'.repeat(n)}b`, false],
    [`*${'a*'.repeat(200)}c*b`, `${'a'.repeat(n)}b`, false],
    [`*${'aaaaaaaaaaaaaaaaaaaac*'.repeat(50)}b`, `${'a'.repeat(n)}b`, false],
    [`r.io/*${'ab*'.repeat(1000)}c`, `r.io/${'ab'.repeat(n / 2)}c`, true],
    [`r.io/*${'abababababababababx*'.repeat(100)}c`, `r.io/${'ab'.repeat(n / 2)}c`, false],
    ['*/*/*/*/*/*/*/*/x', `${'/'.repeat(n)}x`, true],
    ['*/*/*/*/*/*/*/*/y/x', `${'/'.repeat(n)}x`, false],
  ];
  for (const [pattern, text, expected] of cases) {
    const ms = time(() => t.equal(globMatches(pattern, text), expected));
    t.ok(ms < 200, `${pattern.slice(0, 24)} against ${text.length} characters took ${ms.toFixed(1)} ms`);
  }
});

t.test('the matcher agrees with the regex on short inputs', async (t) => {
  // A small alphabet, so that pieces recur and overlap; regex metacharacters to test that they are literal.
  const char = fc.constantFrom('a', 'b', '/', '.', ':', '@', '-', '(', '\\', '\n');
  const text = fc.string({ unit: char, maxLength: 14 });
  const pattern = fc.string({ unit: fc.oneof({ weight: 2, arbitrary: char }, { weight: 1, arbitrary: fc.constant('*') }), maxLength: 8 });
  fc.assert(
    fc.property(pattern, text, (p, s) => globMatches(p, s) === reference(p, s)),
    { numRuns: 5_000 },
  );
  // Patterns built from pieces of the text, so that many of them match.
  fc.assert(
    fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (s, cuts) => {
      const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((x, y) => x - y);
      let p = '';
      let prev = 0;
      at.forEach((c, i) => {
        p += (i % 2 === 0 ? s.slice(prev, c) : '') + '*';
        prev = c;
      });
      p += s.slice(prev);
      return globMatches(p, s) === reference(p, s);
    }),
    { numRuns: 5_000 },
  );
  // And through matchCatalog, on image references.
  const image = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', ':', '@', '5'), minLength: 1, maxLength: 16 });
  fc.assert(
    fc.property(pattern, image, (p, i) => (matchCatalog(catalogOf(p), { name: 'x', image: i }) !== undefined) === reference(p, imageRepository(i))),
    { numRuns: 3_000 },
  );
  t.pass('agrees');
});

t.test('the semantics the built-in patterns rely on', async (t) => {
  t.ok(globMatches('*/linkerd/proxy', 'cr.l5d.io/linkerd/proxy'), '* spans the registry host');
  t.ok(globMatches('*/linkerd/proxy', 'a/b/c/linkerd/proxy'), '* spans slashes');
  t.notOk(globMatches('*/linkerd/proxy', 'ghcr.io/me/not-linkerd/proxy-x'));
  t.notOk(globMatches('*/linkerd/proxy', '/linkerd/proxy/linkerd/prox'));
  t.ok(globMatches('*/linkerd/proxy', '/linkerd/proxy'), '* matches nothing too');
  t.ok(globMatches('a*a', 'aa'));
  t.notOk(globMatches('aa*aa', 'aaa'), 'prefix and suffix do not overlap');
  t.ok(globMatches('vault', 'docker.io/library/vault'), 'a pattern without * is an image, normalised');
  t.notOk(globMatches('vault', 'vault'));
  t.ok(globMatches('*', ''));
  t.ok(globMatches('**', 'x'));
});
