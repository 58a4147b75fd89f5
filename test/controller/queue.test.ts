// The work queue with a fake clock: dedupe, the earliest deadline wins, no key on two workers,
// per-key backoff, bounded workers, shut down, and how long keys waited in each lane.

import t from 'tap';
import { FifoLane, LoopPacer, TURN_BUDGET_MS, WorkQueue, runWorkers } from '../../src/controller/queue.ts';
import { FakeClock } from '../fake-clock.ts';

const drainReady = async (q: WorkQueue): Promise<string[]> => {
  const out: string[] = [];
  while (q.readyNow > 0) {
    const key = (await q.get()) as string;
    out.push(key);
    q.done(key);
  }
  return out;
};

t.test('a FIFO lane: first in, first out; a key keeps its place; removed and added again, it goes to the back (against a model)', async (t) => {
  const lane = new FifoLane('change');
  const model: { key: string; at: number }[] = [];
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const wrong: string[] = [];
  for (let step = 0; step < 60_000; step++) {
    const key = `ns/p${rand(3000)}`;
    const op = rand(10);
    if (op < 5) {
      lane.add(key, step);
      if (!model.some((m) => m.key === key)) model.push({ key, at: step });
    } else if (op < 6) {
      lane.delete(key);
      const i = model.findIndex((m) => m.key === key);
      if (i >= 0) model.splice(i, 1);
    } else {
      const got = lane.shift();
      const want = model.shift();
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`step ${step}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    if (lane.size !== model.length || lane.has(key) !== model.some((m) => m.key === key)) wrong.push(`step ${step}: size or membership`);
    if (wrong.length) break;
  }
  t.same(wrong, [], 'agrees with the model over 60,000 random steps (compactions included)');
});

t.test('a key added many times is one entry', async (t) => {
  const q = new WorkQueue({ clock: new FakeClock() });
  for (let i = 0; i < 5; i++) q.add('ns/a');
  q.add('ns/b');
  t.equal(q.depth, 2);
  t.same(await drainReady(q), ['ns/a', 'ns/b']);
});

t.test('each key taken reports how long it waited since first added, and in which lane', async (t) => {
  const clock = new FakeClock();
  const taken: [number, string][] = [];
  const q = new WorkQueue({ clock, onTaken: (ms, lane) => taken.push([ms, lane]) });
  q.addBackground('ns/r');
  clock.advance(100);
  q.add('ns/a');
  clock.advance(50);
  q.add('ns/a');
  q.add('ns/b');
  clock.advance(25);
  t.same(await drainReady(q), ['ns/a', 'ns/b', 'ns/r']);
  t.same(taken, [[75, 'change'], [25, 'change'], [175, 'resync']], 'a key added again keeps its first time; the resync key waited behind both');
  taken.length = 0;
  const waiting = q.get();
  q.add('ns/c');
  t.equal(await waiting, 'ns/c');
  t.same(taken, [[0, 'change']], 'a key handed to a waiting worker waited for nothing');
});

t.test('addAfter keeps the earliest deadline, whatever the order of the calls', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('ns/a', 10_000);
  q.addAfter('ns/a', 2_000);
  q.addAfter('ns/a', 5_000);
  clock.advance(1_999);
  t.equal(q.depth, 1, 'delayed, not ready');
  t.same(await drainReady(q), [], 'nothing ready before the earliest deadline');
  clock.advance(1);
  t.same(await drainReady(q), ['ns/a'], 'ready at the earliest deadline');
  clock.advance(20_000);
  t.same(await drainReady(q), [], 'the later deadlines were dropped');
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('add cancels a pending addAfter; addAfter of a ready key is a no-op', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('ns/a', 1000);
  q.add('ns/a');
  t.equal(clock.pending, 0);
  q.addAfter('ns/a', 500);
  t.equal(clock.pending, 0);
  t.same(await drainReady(q), ['ns/a']);
});

t.test('a key being processed is not handed out again; added meanwhile, it comes back after done', async (t) => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('ns/a');
  const key = await q.get();
  t.equal(key, 'ns/a');
  q.add('ns/a');
  t.equal(q.depth, 0, 'not ready while processing');
  q.done('ns/a');
  t.equal(q.depth, 1, 'ready again after done');
});

t.test('per-key backoff doubles until forget', async (t) => {
  const q = new WorkQueue({ clock: new FakeClock(), baseBackoffMs: 100, maxBackoffMs: 1000 });
  t.same([1, 2, 3, 4, 5].map(() => q.addRateLimited('ns/a')), [100, 200, 400, 800, 1000]);
  t.equal(q.addRateLimited('ns/b'), 100, 'per key');
  q.forget('ns/a');
  t.equal(q.addRateLimited('ns/a'), 100, 'from the base again');
});

t.test('workers are bounded, each key on one worker at a time, and shut down ends them', async (t) => {
  const q = new WorkQueue({ clock: new FakeClock() });
  let running = 0;
  let most = 0;
  const seen: string[] = [];
  const release: (() => void)[] = [];
  const done = runWorkers(q, 3, async (key) => {
    running++;
    most = Math.max(most, running);
    seen.push(key);
    await new Promise<void>((r) => release.push(r));
    running--;
    return {};
  }, () => undefined);
  for (let i = 0; i < 10; i++) q.add(`ns/${i}`);
  q.add('ns/0');
  await new Promise((r) => setImmediate(r));
  t.equal(running, 3, 'three workers busy');
  while (seen.length < 10 || release.length) {
    release.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  t.equal(most, 3, 'never more than three at once');
  t.equal(seen.filter((k) => k === 'ns/0').length, 2, 'ns/0, added while processed, ran again after');
  q.shutDown();
  await done;
});

t.test('a failing key backs off; a requeueAfter of the process comes back at its time', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock, baseBackoffMs: 1000 });
  const calls: string[] = [];
  const errors: number[] = [];
  const done = runWorkers(q, 1, async (key) => {
    calls.push(`${key}@${clock.now()}`);
    if (key === 'ns/bad') throw new Error('boom');
    return { requeueAfterMs: 5000 };
  }, (_key, _err, ms) => errors.push(ms));
  const t0 = clock.now();
  q.add('ns/bad');
  q.add('ns/good');
  await new Promise((r) => setTimeout(r, 10));
  clock.advance(1000);
  await new Promise((r) => setTimeout(r, 10));
  clock.advance(2000);
  await new Promise((r) => setTimeout(r, 10));
  clock.advance(2000);
  await new Promise((r) => setTimeout(r, 10));
  t.same(errors, [1000, 2000, 4000], 'the backoff doubles');
  t.same(calls, [`ns/bad@${t0}`, `ns/good@${t0}`, `ns/bad@${t0 + 1000}`, `ns/bad@${t0 + 3000}`, `ns/good@${t0 + 5000}`]);
  q.shutDown();
  await done;
});

t.test("a resync's keys wait behind every key a change added; a change moves its key ahead", async (t) => {
  const q = new WorkQueue({ clock: new FakeClock() });
  for (const k of ['ns/r1', 'ns/r2', 'ns/r3']) q.addBackground(k);
  q.add('ns/changed');
  q.add('ns/r2'); // a change to a pod the resync had queued
  q.addBackground('ns/changed'); // already ahead: stays ahead, once
  t.equal(q.depth, 4);
  t.same(await drainReady(q), ['ns/changed', 'ns/r2', 'ns/r1', 'ns/r3']);
  // A resync key being processed is processed again after, like any key.
  q.addBackground('ns/x');
  const key = await q.get();
  q.addBackground('ns/x');
  q.done(key as string);
  t.same(await drainReady(q), ['ns/x']);
  // A key waiting for its deadline is not taken early by a resync.
  const clock = new FakeClock();
  const d = new WorkQueue({ clock });
  d.addAfter('ns/later', 5000);
  d.addBackground('ns/later');
  t.equal(d.readyNow, 0);
  clock.advance(5000);
  t.same(await drainReady(d), ['ns/later']);
});

t.test('the workers share the turns of the event loop: 100 of them let I/O in every few milliseconds', async (t) => {
  // Each key costs 1 ms of CPU and awaits nothing, as deciding a pod with nothing to do does. A
  // yield per worker let all 100 workers run in one turn (100 ms); the pacer lets a turn run about
  // TURN_BUDGET_MS. The probe is a chain of immediates: the longest time between two is the longest
  // the loop was kept from I/O.
  const q = new WorkQueue({ clock: new FakeClock() });
  const spin = (ms: number) => {
    for (const end = performance.now() + ms; performance.now() < end; );
  };
  let processed = 0;
  const done = runWorkers(q, 100, (key) => {
    spin(1);
    processed++;
    return Promise.resolve(key ? {} : {});
  }, () => undefined);
  for (let i = 0; i < 300; i++) q.add(`ns/${i}`);
  let last = performance.now();
  let longest = 0;
  let turns = 0;
  await new Promise<void>((resolve) => {
    const probe = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      turns++;
      if (processed < 300) setImmediate(probe);
      else resolve();
    };
    setImmediate(probe);
  });
  t.equal(processed, 300, 'every key processed');
  t.ok(turns >= 300 / (TURN_BUDGET_MS + 2), `the loop turned ${turns} times for 300 ms of work`);
  t.ok(longest < 40, `the longest turn took ${longest.toFixed(1)} ms (100 workers without the pacer: about 100 ms)`);
  q.shutDown();
  await done;
});

t.test('the pacer: spent once the budget is used, then one shared wait for the next turn', async (t) => {
  let now = 0;
  const pacer = new LoopPacer(4, () => now);
  t.notOk(pacer.spent(), 'a new turn has its budget');
  now = 3.9;
  t.notOk(pacer.spent(), 'still within it');
  now = 4;
  t.ok(pacer.spent(), 'spent at the budget');
  const a = pacer.nextTurn();
  t.equal(pacer.nextTurn(), a, 'every worker waits for the same turn');
  await a;
  t.notOk(pacer.spent(), 'the next turn has its budget again');
  t.not(pacer.nextTurn(), a, 'and a wait after it is for the turn after');
  t.throws(() => new LoopPacer(0), /more than 0 ms/, 'a budget of 0 would never let a key through');
});

t.test('a worker waiting for a turn holds no key: a change added meanwhile goes ahead of the resync', async (t) => {
  let now = 0;
  const pacer = new LoopPacer(4, () => now);
  const q = new WorkQueue({ clock: new FakeClock() });
  const order: string[] = [];
  for (const k of ['ns/r1', 'ns/r2']) q.addBackground(k);
  const done = runWorkers(q, 1, (key) => {
    order.push(key);
    now += 4; // each key uses a whole turn
    // A change arrives in this turn's check phase, before the worker's next turn begins.
    if (key === 'ns/r1') setImmediate(() => q.add('ns/change'));
    return Promise.resolve({});
  }, () => undefined, pacer);
  await new Promise((r) => setTimeout(r, 20));
  t.same(order, ['ns/r1', 'ns/change', 'ns/r2'], 'the change was taken before the second resync key');
  q.shutDown();
  await done;
});
