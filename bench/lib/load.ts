// The load generator, in a process of its own: autocannon against one HTTPS URL with a fixed body,
// a fixed number of requests from a fixed number of keep-alive connections. Prints one JSON line:
// throughput, latency percentiles in ms, errors and non-2xx answers. The percentiles come from every
// response time autocannon reports (its own histogram keeps whole milliseconds, too coarse here), and
// the time runs from the start to the last response (autocannon's own duration ends on a whole-second tick).
//   node bench/lib/load.ts '<json>'   with { url, ca, body (a file), connections, amount | seconds }

import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

interface Options { url: string; ca: string; body: string; connections: number; amount?: number; seconds?: number }
const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const times: number[] = [];
const start = performance.now();
let last = start;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const options: autocannon.Options = {
    url: o.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFileSync(o.body, 'utf8'),
    connections: o.connections,
    ...(o.seconds ? { duration: o.seconds } : { amount: o.amount ?? 1000 }),
    timeout: 10,
    tlsOptions: { ca: readFileSync(o.ca) },
  };
  const instance = autocannon(options, (err: unknown, r: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error('autocannon failed')) : resolve(r)));
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    times.push(ms);
    last = performance.now();
  });
});
times.sort((a, b) => a - b);
const at = (p: number): number => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN;
console.log(
  JSON.stringify({
    requests: result.requests.total,
    seconds: (last - start) / 1000,
    rps: times.length / ((last - start) / 1000),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: at(100),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }),
);
