// `hahaha serve`: the process. Loads the certificate, starts the HTTPS admission server, the
// metrics server and (unless --no-controller) the shutdown controller, swaps in rotated
// certificates without a restart, and on SIGTERM or SIGINT stops taking work, lets in-flight
// admission requests and shutdown attempts finish within a bound, releases the lease, and exits.

import type { Server as HttpsServer } from 'node:https';
import type { Config } from '../core/analysis.ts';
import type { ControllerSettings, RunningController } from '../controller/run.ts';
import { type AwaitingPods, createMetrics, metricsServer } from '../server/metrics.ts';
import { CertReloader, readPair } from '../server/tls.ts';
import { webhookServer } from '../server/webhook.ts';
import { UsageError } from './flags.ts';

export interface ServeOptions {
  readonly config: Config;
  readonly port: number;
  readonly metricsPort: number;
  readonly address: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly logLevel: string;
  /** Poll interval of the certificate files; default 10 s. */
  readonly certPollMs?: number;
  /** The shutdown controller; absent with --no-controller. */
  readonly controller?: ControllerSettings;
  /** On stop, how long shutdown attempts in flight may take (default 20 s). */
  readonly drainMs?: number;
}

export interface Running {
  readonly port: number;
  readonly metricsPort: number;
  /** Resolves when the servers have closed after a signal or stop(). */
  readonly closed: Promise<void>;
  stop(): Promise<void>;
}

export async function serve(o: ServeOptions): Promise<Running> {
  let pair;
  try {
    pair = await readPair(o.certFile, o.keyFile);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const awaiting: AwaitingPods = new Map();
  const metrics = createMetrics(awaiting);
  let controller: RunningController | undefined;
  const app = webhookServer({
    config: o.config,
    metrics,
    tls: { cert: pair.cert, key: pair.key },
    logger: { level: o.logLevel, base: { component: 'hahaha' } },
    readiness: () => controller?.readiness(),
  });
  const log = app.log;
  if (o.controller) {
    const { startController } = await import('../controller/run.ts');
    try {
      controller = startController(o.controller, o.config, metrics, awaiting, log);
    } catch (e) {
      throw new UsageError(`cannot start the controller: ${(e as Error).message}`);
    }
  }
  const reloader = new CertReloader(pair, {
    certFile: o.certFile,
    keyFile: o.keyFile,
    ...(o.certPollMs ? { pollMs: o.certPollMs } : {}),
    onChange: (p) => {
      (app.server as unknown as HttpsServer).setSecureContext({ cert: p.cert, key: p.key, minVersion: 'TLSv1.2' });
      log.info({ notAfter: p.notAfter.toISOString(), fingerprint: p.fingerprint }, 'serving a new certificate');
    },
    onError: (e) => log.warn({ reason: e.message }, 'certificate files not usable yet; still serving the previous certificate'),
  });
  const metricsApp = metricsServer(metrics);
  await app.listen({ port: o.port, host: o.address });
  await metricsApp.listen({ port: o.metricsPort, host: o.address });
  reloader.start();
  const port = (app.server.address() as { port: number }).port;
  const metricsPort = (metricsApp.server.address() as { port: number }).port;
  log.info({ port, metricsPort, notAfter: pair.notAfter.toISOString(), selector: o.config.selector.text, catalogEntries: o.config.catalog.length }, 'serving admission webhooks');

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      reloader.stop();
      // The controller first: finish or abort its attempts and release the lease while the webhooks still answer.
      await controller?.stop(o.drainMs ?? 20_000);
      await Promise.all([app.close(), metricsApp.close()]);
      log.info('stopped');
      resolveClosed();
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'shutting down');
    void stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { port, metricsPort, closed, stop };
}
