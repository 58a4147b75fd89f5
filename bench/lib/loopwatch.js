// Preloaded into a benchmarked process with `--import` (never into the image): it tells a loop
// that was busy from one that waited for a core. Every 10 ms a timer takes the wall time since its
// last tick and the CPU time the main thread used in it (process.threadCpuUsage). A gap of 15 ms or
// more is printed to stderr as one line, `LOOPWATCH {"t":…,"gapMs":…,"cpuMs":…}`: gapMs - 10 is how
// late the loop was, and cpuMs is how much of the gap the main thread ran (JavaScript, and the GC
// pauses it takes part in). The rest of the gap the thread was not on a core (the machine's other
// processes) or waited for a GC's helper threads. The cost: one timer and one getrusage per 10 ms.
// Plain JavaScript, so that loading it does not load Node's TypeScript stripper (19 MiB of RSS).
//   node --import ./bench/lib/loopwatch.js dist/src/cli/main.js …   (bench/scale.ts does)

import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

const TICK_MS = 10;
const REPORT_MS = 15;

let wall = performance.now();
let cpu = process.threadCpuUsage();
setInterval(() => {
  const nowWall = performance.now();
  const nowCpu = process.threadCpuUsage();
  const gapMs = nowWall - wall;
  if (gapMs >= REPORT_MS) {
    const cpuMs = (nowCpu.user - cpu.user + nowCpu.system - cpu.system) / 1000;
    process.stderr.write(`LOOPWATCH ${JSON.stringify({ t: Date.now(), gapMs: Math.round(gapMs * 10) / 10, cpuMs: Math.round(cpuMs * 10) / 10 })}\n`);
  }
  wall = nowWall;
  cpu = nowCpu;
}, TICK_MS).unref();
