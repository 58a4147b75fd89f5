// AdmissionReview v1 in and out, as pure functions: check the review's shape, then answer it as
// the mutating webhook (add the missing annotations with a JSON patch, never deny) or as the
// validating webhook (deny malformed or forbidden hahaha annotations with a precise message).

import type { Operation } from 'fast-json-patch';
import { type Analysis, type Config, LISTED, analyze, denialMessage, isManaged, quote } from './analysis.ts';
import { isHahahaKey } from './annotations.ts';
import { type NativeDecision, NOT_CONVERTING, movePatch } from './native.ts';
import { type PodView, podView } from './pod.ts';
import { isObj } from './json.ts';
import { remembered } from './memo.ts';

export type Webhook = 'mutate' | 'validate';
export type Result = 'patched' | 'allowed' | 'denied' | 'skipped';

export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: string;
  readonly resource?: { group?: string; version?: string; resource?: string };
  readonly subResource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly object?: unknown;
  readonly oldObject?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
  status?: { code: number; reason: string; message: string };
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

export interface Answer {
  readonly review: AdmissionReview;
  readonly result: Result;
  readonly operation: string;
  /** The JSON patch operations (patched only), for logs and tests. */
  readonly patch?: readonly Operation[];
  readonly analysis?: Analysis;
}

export type Parsed = { ok: true; request: AdmissionRequest } | { ok: false; error: string };

/**
 * The longest uid accepted. The answer repeats the uid, so a longer one would make the answer as
 * long as the request; the apiserver sends a UUID (36 characters).
 */
export const MAX_UID = 256;

/** Check that a body is an AdmissionReview v1 with a request; say what is wrong otherwise. */
export function parseReview(body: unknown): Parsed {
  if (!isObj(body)) return { ok: false, error: 'expected a JSON object (an AdmissionReview v1)' };
  if (body.apiVersion !== 'admission.k8s.io/v1') {
    return { ok: false, error: `apiVersion: expected "admission.k8s.io/v1", got ${got(body.apiVersion)}` };
  }
  if (body.kind !== 'AdmissionReview') {
    return { ok: false, error: `kind: expected "AdmissionReview", got ${got(body.kind)}` };
  }
  const r = body.request;
  if (!isObj(r)) return { ok: false, error: 'request: the AdmissionReview has no request object' };
  if (typeof r.uid !== 'string' || r.uid === '') return { ok: false, error: 'request.uid: expected a non-empty string' };
  if (r.uid.length > MAX_UID) return { ok: false, error: `request.uid: expected at most ${MAX_UID} characters, got ${r.uid.length}` };
  if (typeof r.operation !== 'string') return { ok: false, error: 'request.operation: expected a string' };
  const request: AdmissionRequest = {
    uid: r.uid,
    operation: r.operation,
    ...(isObj(r.resource) ? { resource: r.resource } : {}),
    ...(typeof r.subResource === 'string' && r.subResource !== '' ? { subResource: r.subResource } : {}),
    ...(typeof r.namespace === 'string' ? { namespace: r.namespace } : {}),
    ...(typeof r.name === 'string' ? { name: r.name } : {}),
    ...(r.object !== undefined && r.object !== null ? { object: r.object } : {}),
    ...(r.oldObject !== undefined && r.oldObject !== null ? { oldObject: r.oldObject } : {}),
  };
  return { ok: true, request };
}

/** A value that was not what was expected, for an error: a string quoted (its start, if long), else its JSON type. */
function got(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

const isPod = (r: AdmissionRequest): boolean =>
  (r.resource?.group ?? '') === '' && r.resource?.resource === 'pods' && r.subResource === undefined && r.object !== undefined;

const review = (response: AdmissionResponse): AdmissionReview => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response,
});

// The apiserver truncates long warnings; keep each one readable on its own.
const MAX_WARNING = 240;
/** The distinct warnings, each cut to MAX_WARNING: the first LISTED, then "and N more warnings". */
const warningsOf = (ws: readonly string[]): string[] => {
  const distinct = new Set(ws);
  const out: string[] = [];
  for (const w of distinct) {
    if (out.length === LISTED) break;
    out.push(w.length > MAX_WARNING - 8 ? `hahaha: ${w.slice(0, MAX_WARNING - 9)}…` : `hahaha: ${w}`);
  }
  if (distinct.size > LISTED) out.push(`hahaha: and ${distinct.size - LISTED} more warnings`);
  return out;
};

/**
 * The mutating webhook, on CREATE of managed pods: add the missing annotations and, when the pod is
 * converted (`native`, the cluster's current decision, or the pod's own annotation), move its known
 * sidecars to native (move, add and remove operations). Never denies.
 */
export function mutate(request: AdmissionRequest, config: Config, native: NativeDecision = NOT_CONVERTING): Answer {
  const { uid, operation } = request;
  if (!isPod(request) || operation !== 'CREATE') return { review: review({ uid, allowed: true }), result: 'skipped', operation };
  const pod = podView(request.object);
  const analysis = analyze(pod, config, native);
  if (!analysis.managed) return { review: review({ uid, allowed: true }), result: 'skipped', operation, analysis };
  const warnings = warningsOf(analysis.warnings);
  const base = { uid, allowed: true, ...(warnings.length ? { warnings } : {}) };
  const moves = analysis.conversion?.moves ?? [];
  if (moves.length === 0 && isEmpty(analysis.additions)) return { review: review(base), result: 'allowed', operation, analysis };
  const patch = annotationPatch(pod, analysis.additions);
  if (moves.length) patch.push(...movePatch(request.object, moves));
  return {
    review: review({ ...base, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }),
    result: 'patched',
    operation,
    patch,
    analysis,
  };
}

/**
 * An annotation's JSON pointer, its key as one RFC 6901 segment. Remembered whole, not built per
 * request: the same shutdown and catalog keys recur in every pod, and a fresh concatenation is a
 * rope that JSON.stringify would flatten again for every answer.
 */
const annotationPointer = remembered((key) => `/metadata/annotations/${(key.includes('~') ? key.replaceAll('~', '~0') : key).replaceAll('/', '~1')}`);

/**
 * The annotations to add, as JSON patch operations: one `add` of the whole map when the pod has none,
 * else an `add` per missing key (a `replace` where the key holds another value), in `additions`' order.
 */
export function annotationPatch(pod: PodView, additions: Readonly<Record<string, string>>): Operation[] {
  if (!pod.hasAnnotations) return isEmpty(additions) ? [] : [{ op: 'add', path: '/metadata/annotations', value: { ...additions } }];
  const ops: Operation[] = [];
  for (const key of Object.keys(additions)) {
    const value = additions[key] as string;
    const had = Object.hasOwn(pod.annotations, key) ? pod.annotations[key] : undefined;
    if (had === value) continue;
    ops.push({ op: had === undefined ? 'add' : 'replace', path: annotationPointer(key), value });
  }
  return ops;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function hahahaAnnotations(pod: PodView): string {
  const a = pod.annotations;
  return JSON.stringify(Object.keys(a).filter(isHahahaKey).sort().map((k) => [k, a[k]]));
}

/**
 * The validating webhook: on CREATE and UPDATE of managed pods, deny malformed or forbidden hahaha
 * annotations. An UPDATE that leaves the hahaha annotations, and whether the pod is managed, as they
 * were is allowed, so a pod that got in while this webhook was down can still be updated
 * (finalizers, other labels) and deleted.
 */
export function validate(request: AdmissionRequest, config: Config): Answer {
  const { uid, operation } = request;
  if (!isPod(request) || (operation !== 'CREATE' && operation !== 'UPDATE')) {
    return { review: review({ uid, allowed: true }), result: 'skipped', operation };
  }
  const pod = podView(request.object);
  if (operation === 'UPDATE' && request.oldObject !== undefined) {
    const old = podView(request.oldObject);
    // Skipped only when neither the hahaha annotations nor whether the pod is managed changed: a pod
    // created unmanaged with bad annotations does not become managed by adding the label unchecked.
    const sameAnnotations = hahahaAnnotations(pod) === hahahaAnnotations(old);
    if (sameAnnotations && isManaged(pod, config.selector).managed === isManaged(old, config.selector).managed) {
      return { review: review({ uid, allowed: true }), result: 'skipped', operation };
    }
  }
  const analysis = analyze(pod, config);
  if (analysis.problems.length === 0) {
    return { review: review({ uid, allowed: true }), result: analysis.managed ? 'allowed' : 'skipped', operation, analysis };
  }
  const message = denialMessage(analysis.problems);
  return {
    review: review({ uid, allowed: false, status: { code: 400, reason: 'BadRequest', message } }),
    result: 'denied',
    operation,
    analysis,
  };
}
