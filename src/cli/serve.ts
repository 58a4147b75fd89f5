// `hahaha serve`: the process. Starts the HTTPS admission server, the metrics server, the shutdown
// controller (unless --no-controller) and leader election; serves its certificate from files
// (swapped without a restart when they change) or from self-managed certificates in a Secret; and
// on SIGTERM or SIGINT stops taking work, lets in-flight admission requests and shutdown attempts
// finish within a bound, releases the lease, and exits.

import type { Server as HttpsServer } from 'node:https';
import type { Config } from '../core/analysis.ts';
import { type NativeDecision, type NativeMode, type Version, NOT_CONVERTING, clusterDecision } from '../core/native.ts';
import type { CertPolicy } from '../certificates/rotation.ts';
import type { SelfManagedCerts } from '../certificates/selfmanaged.ts';
import type { ControllerSettings, KubeSettings, RunningController } from '../controller/run.ts';
import type { LeaderElector } from '../controller/leader.ts';
import type { NodeVersions } from '../controller/nodes.ts';
import { type AwaitingPods, createMetrics, metricsServer } from '../server/metrics.ts';
import { CertReloader, type CertPair, readPair } from '../server/tls.ts';
import { webhookServer } from '../server/webhook.ts';
import { UsageError } from './flags.ts';

export interface ServeOptions {
  readonly config: Config;
  readonly port: number;
  readonly metricsPort: number;
  readonly address: string;
  /** The serving pair on disk; absent with self-managed certificates. */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly logLevel: string;
  /** The Kubernetes side: kubeconfig and leader election, for the controller and self-managed certificates. */
  readonly kube?: KubeSettings;
  /** Self-managed certificates kept in a Secret, instead of files. */
  readonly selfManaged?: { readonly secretName: string; readonly webhookConfigName: string; readonly policy: CertPolicy };
  /** Poll interval of the certificate files; default 10 s. */
  readonly certPollMs?: number;
  /** The shutdown controller; absent with --no-controller. */
  readonly controller?: ControllerSettings;
  /** On stop, how long shutdown attempts in flight may take (default 20 s). */
  readonly drainMs?: number;
  /** Native sidecar conversion (default off). */
  readonly native?: { readonly mode: NativeMode; readonly min: Version };
  /** Serve the admission webhooks (default true); false: the controller only, probes on the metrics port. */
  readonly webhooks?: boolean;
}

export interface Running {
  readonly port: number;
  readonly metricsPort: number;
  /** Resolves when the servers have closed after a signal or stop(). */
  readonly closed: Promise<void>;
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Running> {
  const webhooks = options.webhooks ?? true;
  if (!webhooks && !options.controller) throw new UsageError('--no-webhooks and --no-controller together leave nothing to run');
  if (!webhooks && options.selfManaged) throw new UsageError('--no-webhooks serves no certificate: self-managed certificates go with the webhooks');
  let pair: Pick<CertPair, 'cert' | 'key' | 'notAfter'> | undefined;
  if (!webhooks) {
    // The controller alone: no HTTPS server, no certificate.
  } else if (options.selfManaged) {
    // Something to start TLS with until the Secret's pair is loaded; /readyz says not ready meanwhile.
    const { createBundle } = await import('../../webhook-certs/certs.ts');
    const temporary = await createBundle(options.selfManaged.policy.hosts, { servingMs: 3_600_000 });
    pair = { ...temporary.serving, notAfter: new Date(Date.now() + 3_600_000) };
  } else {
    if (!options.certFile || !options.keyFile) throw new UsageError('serve needs --cert-file and --key-file, or --certificates self-managed');
    try {
      pair = await readPair(options.certFile, options.keyFile);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const awaiting: AwaitingPods = new Map();
  const metrics = createMetrics(awaiting);
  let controller: RunningController | undefined;
  let certs: SelfManagedCerts | undefined;
  let elector: LeaderElector | undefined;
  /** The cluster's current answer; undefined until the first decision (then nothing is converted). */
  let nativeNow: NativeDecision | undefined;
  let nodes: NodeVersions | undefined;
  const logger = { level: options.logLevel, base: { component: 'hahaha' } };
  const controllerReadiness = (): string | undefined => (controller ? controller.readiness() : 'the shutdown controller does not run in this process (--no-controller)');
  const app = pair
    ? webhookServer({
        config: options.config,
        metrics,
        native: () => nativeNow ?? NOT_CONVERTING,
        tls: { cert: pair.cert, key: pair.key },
        logger,
        readiness: () => certs?.readiness(),
        controllerReadiness,
      })
    : undefined;
  // Without webhooks, the metrics port answers the probes: /readyz is the controller's.
  const metricsApp = metricsServer(metrics, app ? {} : { logger, readiness: controllerReadiness });
  const log = (app ?? metricsApp).log;
  const secure = (p: { cert: string; key: string }): void => (app?.server as unknown as HttpsServer | undefined)?.setSecureContext({ cert: p.cert, key: p.key, minVersion: 'TLSv1.2' });

  // The conversion is the webhooks' business: a controller alone reads no Nodes.
  const native = webhooks ? (options.native ?? { mode: 'off' as const, min: { major: 1, minor: 33 } }) : { mode: 'off' as const, min: { major: 1, minor: 33 } };
  const decideNative = (): void => {
    const next = clusterDecision(native.mode, native.min, nodes?.apiserver, nodes?.versions, nodes?.stale);
    if (next.code === nativeNow?.code && next.reason === nativeNow.reason) return;
    const changed = next.code !== nativeNow?.code;
    nativeNow = next;
    metrics.nativeConversion.reset();
    metrics.nativeConversion.set({ reason: next.code }, next.convert ? 1 : 0);
    if (changed) log.info({ convert: next.convert, reason: next.reason, mode: native.mode }, next.convert ? 'native sidecars: converting new pods' : 'native sidecars: not converting new pods');
  };
  if (native.mode !== 'auto') decideNative();

  if (options.kube && (options.controller || options.selfManaged || native.mode === 'auto')) {
    const run = await import('../controller/run.ts');
    let kc;
    try {
      kc = run.kubeClient(options.kube.kubeconfig, metrics);
    } catch (e) {
      const needs = [options.controller ? 'the shutdown controller' : '', options.selfManaged ? 'self-managed certificates' : '', native.mode === 'auto' ? '--native-sidecars auto' : ''].filter(Boolean).join(', ');
      throw new UsageError(`${(e as Error).message.startsWith('no cluster configuration') ? '' : 'cannot load the kubeconfig: '}${(e as Error).message}; ${needs} need${needs.includes(',') ? '' : 's'} it (to serve the webhooks only: --no-controller --native-sidecars on|off)`);
    }
    if (native.mode === 'auto') {
      const { NodeVersions } = await import('../controller/nodes.ts');
      nodes = new NodeVersions(kc, { onChange: decideNative, onError: (why) => log.warn({ why }, 'native sidecars: cannot read node versions; retrying') });
      decideNative();
      nodes.start();
    }
    const followers: { startLeading(): void; stopLeading(why: string): void }[] = [];
    if (options.controller) {
      controller = run.startController(kc, run.identityOf(options.kube), options.controller, options.config, metrics, awaiting, log);
      followers.push(controller);
    }
    if (options.selfManaged) {
      const { SelfManagedCerts } = await import('../certificates/selfmanaged.ts');
      certs = new SelfManagedCerts(kc, {
        ...options.selfManaged,
        namespace: run.ownNamespace(options.kube.leaseNamespace),
        log,
        onPair: (p) => {
          secure(p);
          log.info({ secret: options.selfManaged?.secretName }, 'serving the certificate from the Secret');
        },
      });
      certs.start();
      followers.push(certs);
    }
    // Webhooks only, with --native-sidecars auto: the node cache needs no leader.
    if (followers.length) elector = run.startLeaderElection(kc, options.kube, followers, log);
  }
  const reloader =
    pair && options.certFile && options.keyFile && !options.selfManaged
      ? new CertReloader(pair as CertPair, {
          certFile: options.certFile,
          keyFile: options.keyFile,
          ...(options.certPollMs ? { pollMs: options.certPollMs } : {}),
          onChange: (p) => {
            secure(p);
            log.info({ notAfter: p.notAfter.toISOString(), fingerprint: p.fingerprint }, 'serving a new certificate');
          },
          onError: (e) => log.warn({ reason: e.message }, 'certificate files not usable yet; still serving the previous certificate'),
        })
      : undefined;
  try {
    await app?.listen({ port: options.port, host: options.address });
    await metricsApp.listen({ port: options.metricsPort, host: options.address });
  } catch (e) {
    // Nothing may keep leading or acting for a process that serves nothing.
    await controller?.stop(0);
    nodes?.stop();
    await certs?.stop();
    await elector?.stop();
    await Promise.all([app?.close(), metricsApp.close()]);
    throw new UsageError(`cannot listen on ${options.address}: ${(e as Error).message}`);
  }
  reloader?.start();
  const port = app ? (app.server.address() as { port: number }).port : 0;
  const metricsPort = (metricsApp.server.address() as { port: number }).port;
  if (pair) log.info({ port, metricsPort, notAfter: pair.notAfter.toISOString(), selector: options.config.selector.text, catalogEntries: options.config.catalog.length }, 'serving admission webhooks');
  else log.info({ metricsPort, selector: options.config.selector.text }, 'running the shutdown controller only (--no-webhooks); /healthz and /readyz on the metrics port');

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      reloader?.stop();
      // The controller first: finish or abort its attempts and release the lease while the webhooks still answer.
      await controller?.stop(options.drainMs ?? 20_000);
      nodes?.stop();
      await certs?.stop();
      await elector?.stop();
      await Promise.all([app?.close(), metricsApp.close()]);
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
