// The annotation contract (v1) of docs/design.md: the keys hahaha reads and writes on pods.

import { remembered } from './memo.ts';

export const DOMAIN = 'hahaha.nais.io';
/** One or more container names, comma-separated. */
export const MAIN_CONTAINER = `${DOMAIN}/main-container`;
/** `"false"` opts a pod out entirely. */
export const ENABLED = `${DOMAIN}/enabled`;
/** `"true"` or `"false"`: make this pod's sidecars native or not, whatever the cluster mode says. */
export const NATIVE_SIDECARS = `${DOMAIN}/native-sidecars`;
/** Prefix of `shutdown.hahaha.nais.io/<container>`: the shutdown action of one sidecar. */
export const SHUTDOWN_PREFIX = `shutdown.${DOMAIN}/`;

/** Kubernetes' own hint for the default container of `kubectl logs/exec`. */
export const DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';
/** The label whose value, when it names a container, makes that container main. */
export const APP_LABEL = 'app';

/**
 * hahaha's record of what it decided about a pod (claims, rounds, giving up, reports made), kept on
 * the pod itself so that it lasts exactly as long as the pod (src/core/state.ts). The whole
 * `state.hahaha.nais.io` domain is reserved: only hahaha's ServiceAccount may set or change it, and
 * it may change nothing else of a pod (the chart's admission policy, enforced by the apiserver).
 */
export const STATE_DOMAIN = `state.${DOMAIN}`;
export const STATE_KEY = `${STATE_DOMAIN}/v1`;

/** The shutdown key of a container: the same string each time (see memo.ts). */
export const shutdownKey = remembered((container) => `${SHUTDOWN_PREFIX}${container}`);

/** The container named by a shutdown key, or undefined when the key is not one. */
export function shutdownContainer(key: string): string | undefined {
  return key.startsWith(SHUTDOWN_PREFIX) ? key.slice(SHUTDOWN_PREFIX.length) : undefined;
}

/** Keys hahaha owns: everything under hahaha.nais.io and shutdown.hahaha.nais.io. */
export function isHahahaKey(key: string): boolean {
  return key.startsWith(`${DOMAIN}/`) || key.startsWith(SHUTDOWN_PREFIX);
}

export const KNOWN_KEYS: readonly string[] = [MAIN_CONTAINER, ENABLED, NATIVE_SIDECARS];

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why a string is not a valid annotation key, as the apiserver checks it (a qualified name: an
 * optional DNS-subdomain prefix of at most 253 characters and "/", then a name of at most 63
 * characters of letters, digits, "-", "_" and ".", starting and ending alphanumeric); undefined if valid.
 */
export function annotationKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined) {
    if (prefix === '') return 'the prefix before "/" is empty';
    if (prefix.length > 253) return `the prefix is ${prefix.length} characters long; at most 253`;
    if (!DNS1123_SUBDOMAIN.test(prefix)) return `the prefix ${JSON.stringify(prefix)} is not a DNS subdomain (lower-case letters, digits, "-" and ".")`;
  }
  if (name === '') return 'the name is empty';
  if (name.length > 63) return `the name is ${name.length} characters long; at most 63`;
  if (!NAME.test(name)) return `the name ${JSON.stringify(name)} must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  return undefined;
}
