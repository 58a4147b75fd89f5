// Exec and port-forward over WebSockets against a loopback apiserver that plays the kubelet's part
// (ws's server, as the apiserver proxies the kubelet's streams): what reaches it (path, query,
// subprotocols, Authorization) is what client-node sends, the exit status comes back on channel 3,
// and HTTP over a port-forward strips the port number from each channel's first frame. Through the
// StepRunner, so its results are checked too.

import type { IncomingMessage } from 'node:http';
import t, { type Test } from 'tap';
import { WebSocketServer, type WebSocket } from 'ws';
import { StepRunner } from '../../src/controller/steps.ts';
import { bearerToken } from '../../src/kube/auth.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { fakeApiserver } from './apiserver.ts';

interface Upgrade {
  readonly url: URL;
  readonly protocols: string;
  readonly authorization: string | undefined;
}

async function kubelet(t: Test, onSocket: (ws: WebSocket, u: Upgrade) => void) {
  const api = await fakeApiserver(t);
  const upgrades: Upgrade[] = [];
  const wss = new WebSocketServer({ server: api.server, handleProtocols: (p) => (p.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  wss.on('connection', (ws, req: IncomingMessage) => {
    const u = { url: new URL(req.url ?? '/', 'https://apiserver'), protocols: String(req.headers['sec-websocket-protocol']), authorization: req.headers.authorization };
    upgrades.push(u);
    onSocket(ws, u);
  });
  t.teardown(() => wss.close());
  const client = new KubeClient(api.config(bearerToken('tok')));
  t.teardown(() => client.close());
  return { client, upgrades };
}

const frame = (channel: number, data: Buffer | string) => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
const portBytes = (port: number) => Buffer.from([port & 0xff, port >> 8]);
const at = { namespace: 'ns', pod: 'p', container: 'istio-proxy' };
const never = new AbortController().signal;

t.test('exec: client-node\'s query and subprotocols, output and the exit status on channel 3', async (t) => {
  const { client, upgrades } = await kubelet(t, (ws, u) => {
    const argv = u.url.searchParams.getAll('command');
    ws.send(frame(1, 'some output\n'));
    const code = argv[0] === 'false' ? 1 : 0;
    const st = code === 0 ? { metadata: {}, status: 'Success' } : { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } };
    ws.send(frame(3, JSON.stringify(st)));
  });
  const run = new StepRunner(client, 5000);
  t.same(await run.exec(at, { kind: 'exec', argv: ['/bin/kill', '-s', 'INT', '1'] }, never), { ok: true, detail: 'exit code 0' });
  t.same(await run.exec(at, { kind: 'exec', argv: ['false'] }, never), { ok: false, detail: 'exit code 1: some output' });
  const u = upgrades[0]!;
  t.equal(u.url.pathname, '/api/v1/namespaces/ns/pods/p/exec');
  t.same([...u.url.searchParams], [['stdout', 'true'], ['stderr', 'true'], ['stdin', 'false'], ['tty', 'false'], ['command', '/bin/kill'], ['command', '-s'], ['command', 'INT'], ['command', '1'], ['container', 'istio-proxy']]);
  t.equal(u.protocols, 'v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io');
  t.equal(u.authorization, 'Bearer tok');
});

t.test('exec: a connection that closes without a status may have worked', async (t) => {
  const { client } = await kubelet(t, (ws) => ws.close());
  const r = await new StepRunner(client, 5000).exec(at, { kind: 'exec', argv: ['x'] }, never);
  t.same([r.ok, r.maybe, r.detail], [false, true, 'the connection closed without an exit status']);
});

t.test('port-forward: the request on channel 0, the answer after the port number of each channel', async (t) => {
  const { client, upgrades } = await kubelet(t, (ws, u) => {
    const port = Number(u.url.searchParams.get('ports'));
    ws.send(frame(0, portBytes(port)));
    ws.send(frame(1, portBytes(port)));
    let request = '';
    ws.on('message', (data: Buffer) => {
      if (data[0] !== 0) return;
      request += data.subarray(1).toString();
      if (!request.includes('\r\n\r\n')) return;
      const ok = request.startsWith('POST /quitquitquit HTTP/1.1\r\n') && /\r\nhost: localhost\r\n/i.test(request);
      ws.send(frame(0, ok ? 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad'));
    });
  });
  const run = new StepRunner(client, 5000);
  t.same(await run.http(at, { kind: 'http', method: 'POST', port: 15020, path: '/quitquitquit' }, never), { ok: true, detail: 'HTTP 200' });
  const u = upgrades[0]!;
  t.equal(u.url.pathname, '/api/v1/namespaces/ns/pods/p/portforward');
  t.same([...u.url.searchParams], [['ports', '15020']]);
  t.equal(u.protocols, 'v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io');
});

t.test('port-forward: the kubelet cannot connect to the port: its error channel says why', async (t) => {
  const { client } = await kubelet(t, (ws, u) => {
    const port = Number(u.url.searchParams.get('ports'));
    ws.send(frame(0, portBytes(port)));
    ws.send(frame(1, portBytes(port)));
    ws.on('message', () => {
      ws.send(frame(1, `error forwarding port ${port} to pod: connection refused`));
      setTimeout(() => ws.close(), 20);
    });
  });
  const r = await new StepRunner(client, 5000).http(at, { kind: 'http', method: 'POST', port: 9091, path: '/quitquitquit' }, never);
  t.same(r, { ok: false, detail: 'port-forward to :9091: error forwarding port 9091 to pod: connection refused' });
});
