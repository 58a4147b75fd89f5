// One HTTP step over an already connected stream, and the exit status of an exec: what counts as
// worked, as failed outright, and as "may have worked" (the request went out, the answer did not
// come back), which the controller then judges by the container's state. Loopback only.

import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import t, { type Test } from 'tap';
import { fromStatus, httpOverStream } from '../../src/controller/steps.ts';

const step = { kind: 'http' as const, method: 'POST' as const, port: 1, path: '/quitquitquit' };

/** A loopback server that does `answer` with each connection once the request head has arrived. */
async function server(t: Test, answer: (socket: Socket) => void): Promise<number> {
  const srv = createServer((socket) => {
    let head = '';
    socket.on('data', (c: Buffer) => {
      head += c.toString();
      if (head.includes('\r\n\r\n')) answer(socket);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => srv.close());
  return (srv.address() as AddressInfo).port;
}
const open = (port: number) => connect(port, '127.0.0.1');

t.test('2xx works', async (t) => {
  const port = await server(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  t.same(await httpOverStream(open(port), step, new AbortController().signal), { ok: true, detail: 'HTTP 200' });
});

t.test('a non-2xx answer failed outright, with the body in the detail', async (t) => {
  const port = await server(t, (s) => s.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot ready'));
  t.same(await httpOverStream(open(port), step, new AbortController().signal), { ok: false, detail: 'HTTP 503: not ready' });
});

t.test('the connection dropped after the request went out: may have worked', async (t) => {
  const port = await server(t, (s) => s.destroy());
  const r = await httpOverStream(open(port), step, new AbortController().signal);
  t.equal(r.ok, false);
  t.equal(r.maybe, true, 'judged by the container state, not counted as failed');
  t.match(r.detail, /^HTTP request failed: /);
});

t.test('aborted while waiting for the answer: may have worked, and says why', async (t) => {
  const port = await server(t, () => undefined);
  const abort = new AbortController();
  const pending = httpOverStream(open(port), step, abort.signal);
  setTimeout(() => abort.abort(new Error('no longer the leader')), 50);
  const r = await pending;
  t.same([r.ok, r.maybe], [false, true]);
  t.match(r.detail, /aborted: Error: no longer the leader/);
});

t.test('the exit status on channel 3', async (t) => {
  t.same(fromStatus({ status: 'Success' }), { ok: true, detail: 'exit code 0' });
  t.same(fromStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '137' }] } }, 'killed\n'), { ok: false, detail: 'exit code 137: killed' });
  t.same(fromStatus({ status: 'Failure', message: 'command not found' }), { ok: false, detail: 'command not found' });
});
