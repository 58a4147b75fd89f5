// The commands of the `hahaha` binary and their flags: serve, explain, convert, certs.
// Each command imports what it needs when it runs, so `--help` and `explain` do not load fastify,
// prom-client or the X.509 library.

import { DEFAULT_SELECTOR, loadConfig } from '../config.ts';
import { convertCommand } from './convert.ts';
import { readInput } from './input.ts';
import { type FlagTable, type FlagValues, UsageError } from './flags.ts';
import type { LivePod } from './live.ts';
import type { NativeMode } from '../core/native.ts';

const CONFIG_FLAGS: FlagTable = {
  selector: { type: 'string', default: DEFAULT_SELECTOR, metavar: 'SELECTOR', help: 'label selector of managed pods, e.g. "a=b,c in (d,e),f"' },
  catalog: { type: 'string', metavar: 'FILE', help: 'YAML or JSON file that extends (or, with replace: true, replaces) the built-in catalog' },
  'allow-exec': { type: 'string', multiple: true, metavar: 'COMMAND', help: 'also allow this exec command in annotations; a "*" word matches any one argument' },
};

export interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly flags: FlagTable;
  run(values: FlagValues, positionals: string[]): Promise<number>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  serve: {
    usage: 'hahaha serve (--cert-file FILE --key-file FILE | --certificates self-managed --cert-host NAME...) [flags]',
    summary: 'Serve the admission webhooks over HTTPS and metrics over HTTP, and run the shutdown controller.',
    flags: {
      port: { type: 'port', default: 8443, help: 'HTTPS port of the admission webhooks, /healthz and /readyz' },
      'metrics-port': { type: 'port', default: 9090, help: 'plain HTTP port of /metrics' },
      address: { type: 'string', default: '0.0.0.0', metavar: 'ADDRESS', help: 'address to listen on' },
      certificates: { type: 'string', default: 'files', choices: ['files', 'self-managed'], metavar: 'MODE', help: 'files: --cert-file and --key-file; self-managed: hahaha makes, stores (--cert-secret) and renews its own CA and certificate, and writes the caBundle' },
      'cert-file': { type: 'string', metavar: 'FILE', help: 'serving certificate (PEM); reloaded when it changes' },
      'key-file': { type: 'string', metavar: 'FILE', help: 'its private key (PEM)' },
      'cert-secret': { type: 'string', default: 'hahaha-webhook-tls', metavar: 'NAME', help: "self-managed: the Secret in hahaha's namespace that holds the CA and certificate (it must exist)" },
      'webhook-config-name': { type: 'string', default: 'hahaha', metavar: 'NAME', help: 'self-managed: the Mutating- and ValidatingWebhookConfiguration whose caBundle hahaha writes' },
      'cert-host': { type: 'string', multiple: true, metavar: 'NAME', help: 'self-managed: DNS name or IP address of the serving certificate (the Service: <svc>.<ns>.svc)' },
      'cert-lifetime': { type: 'duration', default: '2160h', help: 'self-managed: lifetime of the serving certificate, and of the CA made for it (whose key is never kept)' },
      'renew-before': { type: 'duration', default: '720h', help: 'self-managed: renew the CA or the certificate this long before it expires' },
      ...CONFIG_FLAGS,
      'native-sidecars': { type: 'string', default: 'auto', choices: ['auto', 'on', 'off'], metavar: 'MODE', help: "make managed pods' sidecars native: auto (while the apiserver and every Node's kubelet run --native-min-version or later; needs list and watch on nodes), on, or off (shutdown actions only)" },
      'native-min-version': { type: 'string', default: '1.33', metavar: 'VERSION', help: 'auto: the oldest Kubernetes version (MAJOR.MINOR, 1.29 or later) whose kubelets run native sidecars well enough' },
      'no-controller': { type: 'boolean', help: 'serve the webhooks only, without the shutdown controller' },
      'no-webhooks': { type: 'boolean', help: 'run the shutdown controller only: no HTTPS server and no certificate; /healthz and /readyz on the metrics port (the chart\'s split mode)' },
      kubeconfig: { type: 'string', metavar: 'FILE', help: 'kubeconfig of the controller (default: in-cluster, else $KUBECONFIG or ~/.kube/config)' },
      namespaces: { type: 'string', metavar: 'NS[,NS...]', help: 'watch managed pods in these namespaces only (default: all)' },
      'exclude-namespaces': { type: 'string', metavar: 'NS[,NS...]', help: 'never watch or act on pods in these namespaces (the chart passes kube-system, kube-public, kube-node-lease, its own and webhook.excludeNamespaces, where its admission policy refuses hahaha anyway)' },
      'shutdown-grace': { type: 'duration', default: '30s', range: [1000, 3_600_000], help: 'how long a sidecar may take to terminate after a step worked, before the next step' },
      'step-timeout': { type: 'duration', default: '10s', range: [100, 600_000], help: 'bound on one HTTP request or exec' },
      'max-attempts': { type: 'number', default: 6, range: [1, 100], help: 'rounds of all steps before giving up' },
      'retry-backoff': { type: 'duration', default: '5s', range: [100, 3_600_000], help: 'wait after a round in which every step failed; doubles each round up to 5 min (a longer value stays as it is)' },
      concurrency: { type: 'number', default: 100, range: [1, 1000], help: 'pods reconciled at once (each may hold one API call or shutdown step)' },
      'dry-run': { type: 'boolean', help: 'audit mode: decide and report "would shut down" events, act on nothing' },
      'lease-namespace': { type: 'string', metavar: 'NS', help: "namespace of the leader election Lease (default: hahaha's own, from POD_NAMESPACE or the service account)" },
      'lease-name': { type: 'string', default: 'hahaha', metavar: 'NAME', help: 'name of the leader election Lease' },
      'drain-timeout': { type: 'duration', default: '20s', range: [0, 600_000], help: 'on SIGTERM, how long shutdown attempts in flight may take to finish' },
      'log-level': { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'], metavar: 'LEVEL', help: 'log level of the JSON logs' },
    },
    async run(v) {
      const selfManaged = v.certificates === 'self-managed';
      const webhooks = v['no-webhooks'] !== true;
      if (!webhooks && v['no-controller']) throw new UsageError('--no-webhooks and --no-controller together leave nothing to run');
      if (!webhooks && selfManaged) throw new UsageError('--no-webhooks serves no certificate: --certificates self-managed goes with the webhooks');
      if (webhooks && !selfManaged && (!v['cert-file'] || !v['key-file'])) throw new UsageError('serve needs --cert-file and --key-file (make a pair with `hahaha certs`), or --certificates self-managed');
      if (selfManaged && (v['cert-file'] || v['key-file'])) throw new UsageError('--cert-file and --key-file go with --certificates files, not self-managed');
      const hosts = v['cert-host'] as string[];
      if (selfManaged && hosts.length === 0) throw new UsageError('--certificates self-managed needs at least one --cert-host (the webhook Service: <svc>.<namespace>.svc)');
      const [certLifetimeMs, renewBeforeMs] = [v['cert-lifetime'], v['renew-before']] as number[];
      if (selfManaged && !(renewBeforeMs! < certLifetimeMs!)) {
        throw new UsageError('self-managed certificates need --renew-before < --cert-lifetime');
      }
      const config = await loadConfig({ selector: v.selector as string, catalogFile: v.catalog as string | undefined, allowExec: v['allow-exec'] as string[] });
      if (!config.ok) throw new UsageError(config.error);
      const { parseMinVersion } = await import('../core/native.ts');
      const min = parseMinVersion(v['native-min-version'] as string);
      if (!min.ok) throw new UsageError(`--native-min-version: ${min.error}`);
      const { serve } = await import('./serve.ts');
      const server = await serve({
        config: config.value,
        port: v.port as number,
        metricsPort: v['metrics-port'] as number,
        address: v.address as string,
        certFile: v['cert-file'] as string | undefined,
        keyFile: v['key-file'] as string | undefined,
        kube: { kubeconfig: v.kubeconfig as string | undefined, leaseNamespace: v['lease-namespace'] as string | undefined, leaseName: v['lease-name'] as string },
        ...(selfManaged
          ? { selfManaged: { secretName: v['cert-secret'] as string, webhookConfigName: v['webhook-config-name'] as string, policy: { hosts, certLifetimeMs: certLifetimeMs!, renewBeforeMs: renewBeforeMs! } } }
          : {}),
        logLevel: v['log-level'] as string,
        native: { mode: v['native-sidecars'] as NativeMode, min: min.value },
        drainMs: v['drain-timeout'] as number,
        webhooks,
        ...(v['no-controller']
          ? {}
          : {
              controller: {
                namespaces: ((v.namespaces as string | undefined) ?? '').split(',').map((n) => n.trim()).filter(Boolean),
                excludeNamespaces: ((v['exclude-namespaces'] as string | undefined) ?? '').split(',').map((n) => n.trim()).filter(Boolean),
                graceMs: v['shutdown-grace'] as number,
                stepTimeoutMs: v['step-timeout'] as number,
                maxAttempts: v['max-attempts'] as number,
                backoffMs: v['retry-backoff'] as number,
                concurrency: v.concurrency as number,
                dryRun: v['dry-run'] === true,
              },
            }),
      });
      await server.closed;
      return 0;
    },
  },
  explain: {
    usage: 'hahaha explain (-f FILE|- | [-n NAMESPACE] POD) [-o text|json] [flags]',
    summary:
      'Show what hahaha makes of a pod (or of the pod template of a Job or CronJob), in YAML or JSON: managed or not and why,\n' +
      'main containers, each sidecar with its shutdown action and where it comes from, warnings. Exits 1 when the validating\n' +
      'webhook would deny the pod, with its message. Given a POD name instead of -f, reads the live pod (with --kubeconfig or the\n' +
      "usual kubeconfig) and also shows where it stands: waiting for main, shutting down, done or stuck and why, with hahaha's events.",
    flags: {
      filename: { type: 'string', short: 'f', noEnv: true, metavar: 'FILE', help: 'the manifest to read, "-" for standard input' },
      namespace: { type: 'string', short: 'n', noEnv: true, metavar: 'NAMESPACE', help: "the live pod's namespace (default: the kubeconfig context's, else default)" },
      kubeconfig: { type: 'string', noEnv: true, metavar: 'FILE', help: 'kubeconfig for reading a live pod (default: $KUBECONFIG or ~/.kube/config)' },
      output: { type: 'string', short: 'o', noEnv: true, default: 'text', choices: ['text', 'json'], metavar: 'FORMAT', help: 'text or json' },
      'native-sidecars': { type: 'string', noEnv: true, default: 'on', choices: ['on', 'off'], metavar: 'MODE', help: 'explain the pod as a cluster that converts to native sidecars (on) or not (off) admits it' },
      ...CONFIG_FLAGS,
    },
    async run(v, positionals) {
      const file = v.filename as string | undefined;
      const podName = positionals[0];
      if (positionals.length > 1) throw new UsageError(`explain takes one pod name, got ${positionals.length}: ${positionals.join(' ')}`);
      if (!file && !podName) throw new UsageError('explain needs -f FILE (or -f - for standard input), or the name of a live pod');
      if (file && podName) throw new UsageError('explain takes -f FILE or a pod name, not both');
      const config = await loadConfig({ selector: v.selector as string, catalogFile: v.catalog as string | undefined, allowExec: v['allow-exec'] as string[] });
      if (!config.ok) throw new UsageError(config.error);
      const { explainReport, renderText } = await import('./explain.ts');
      let target: { pod: unknown; from: string } | undefined;
      let live: LivePod | undefined;
      if (podName) {
        const { readLivePod } = await import('./live.ts');
        live = await readLivePod(podName, v.namespace as string | undefined, v.kubeconfig as string | undefined);
        target = { pod: live.pod, from: 'live pod' };
      } else {
        const { name, text } = await readInput(file as string);
        const [{ parse: parseYaml }, { podOfManifest }] = await Promise.all([import('yaml'), import('../core/pod.ts')]);
        let doc: unknown;
        try {
          doc = parseYaml(text, { prettyErrors: true });
        } catch (e) {
          throw new UsageError(`${name} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
        }
        target = podOfManifest(doc);
        if (!target) throw new UsageError(`${name}: expected a Pod, or an object with a pod template (Job, CronJob, Deployment, ...)`);
      }
      const { NOT_CONVERTING } = await import('../core/native.ts');
      const cluster = v['native-sidecars'] === 'on' ? { convert: true, code: 'mode-on', reason: 'the cluster converts (--native-sidecars on)' } : NOT_CONVERTING;
      const report = explainReport(target.pod, target.from, config.value, live?.events, cluster);
      process.stdout.write(v.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
      return report.allowed ? 0 : 1;
    },
  },
  convert: convertCommand,
  certs: {
    usage: 'hahaha certs --host NAME [--host NAME ...] --out DIR',
    summary: 'Make a CA and a serving certificate for the given DNS names and IP addresses, and write ca.crt, ca.key, tls.crt and tls.key to DIR.',
    flags: {
      host: { type: 'string', multiple: true, noEnv: true, metavar: 'NAME', help: 'DNS name or IP address of the serving certificate' },
      out: { type: 'string', noEnv: true, metavar: 'DIR', help: 'folder to write to (created if missing)' },
      'ca-days': { type: 'number', noEnv: true, default: 3650, help: 'lifetime of the CA in days' },
      days: { type: 'number', noEnv: true, default: 365, help: 'lifetime of the serving certificate in days' },
    },
    async run(v) {
      const hosts = v.host as string[];
      if (!hosts.length || !v.out) throw new UsageError('certs needs at least one --host and --out DIR');
      const { createBundle, writeBundle } = await import('../../webhook-certs/certs.ts');
      const bundle = await createBundle(hosts, { caDays: v['ca-days'] as number, servingDays: v.days as number });
      const paths = await writeBundle(v.out as string, bundle);
      process.stdout.write(`${Object.values(paths).join('\n')}\n`);
      return 0;
    },
  },
};


