// Exec and port-forward over WebSockets to the apiserver, on client-node's own light modules
// (dist/exec.js and dist/web-socket-handler.js import neither its generated code nor undici): the
// same subprotocols (v5.channel.k8s.io down to channel.k8s.io), query (command, container,
// stdout, stderr, stdin, tty; ports) and framing as client-node's Exec and PortForward. Those
// modules ask a KubeConfig for two things only, the current cluster's server and the options of
// the WebSocket (TLS, Authorization), which this client provides. PortForward itself imports the
// generated APIs, so it is rewritten here after its source (one port, data and error channel, the
// first two bytes of each channel's first frame are the port number, disconnect on a frame of
// another channel). The handler's own streams (ended by a v5 close frame) are inert ones here, not
// process.stdout and stderr, which client-node's default would end and so silence the logs.

import querystring from 'node:querystring';
import { PassThrough, type Readable, Writable } from 'node:stream';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import { Exec } from '@kubernetes/client-node/dist/exec.js';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import type { KubeClient } from './client.ts';

/** The WebSocket of an exec or a port-forward (ws's). */
export type Socket = Awaited<ReturnType<Exec['exec']>>;

const inert = (): Writable => new Writable({ write: (_chunk, _enc, cb) => cb() });

/** A WebSocketHandler whose "KubeConfig" is this client. */
function handler(client: KubeClient): WebSocketHandler {
  const config = {
    getCurrentCluster: () => ({ name: 'hahaha', server: client.server, skipTLSVerify: !client.config.tls.rejectUnauthorized }),
    applyToHTTPSOptions: async (opts: object) => void Object.assign(opts, await client.socketOptions()),
  };
  return new WebSocketHandler(config as unknown as KubeConfig, undefined, { stdin: new PassThrough(), stdout: inert(), stderr: inert() });
}

/** client-node's Exec: argv in the container, output to the streams, the exit Status to `onStatus`. */
export function exec(
  client: KubeClient,
  namespace: string,
  pod: string,
  container: string,
  command: readonly string[],
  stdout: Writable | null,
  stderr: Writable | null,
  stdin: Readable | null,
  tty: boolean,
  onStatus: (status: V1Status) => void,
): Promise<Socket> {
  return new Exec(undefined as unknown as KubeConfig, handler(client)).exec(namespace, pod, container, [...command], stdout, stderr, stdin, tty, onStatus);
}

/** client-node's PortForward of one port, with disconnectOnErr and no retries. */
export async function portForward(client: KubeClient, namespace: string, pod: string, port: number, output: Writable, errors: Writable | null, input: Readable): Promise<Socket> {
  const path = `/api/v1/namespaces/${namespace}/pods/${pod}/portforward?${querystring.stringify({ ports: port })}`;
  // Channel 0 carries the data, channel 1 the errors; each starts with the port number.
  const needsPort = [true, true];
  const ws = await handler(client).connect(path, null, (channel, buff) => {
    if (channel >= 2) return false;
    let data = buff;
    if (needsPort[channel]) {
      data = data.subarray(2);
      needsPort[channel] = false;
    }
    if (channel === 1) errors?.write(data);
    else output.write(data);
    return true;
  });
  WebSocketHandler.handleStandardInput(ws, input, 0);
  return ws;
}
