// Calls to the Kubernetes API: the deadline every call carries (an AbortSignal on the request, so a
// hung apiserver cannot hold a caller), the HTTP status of a failed call (the `code` of an
// ApiError from src/kube), and a one-line description of any error for events and logs.

import type { CallOptions } from '../kube/client.ts';

/** The default bound on one API request. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Options for one call of the kube client: abort it after `ms`, or when `signal` aborts; with
 * extra headers (a patch's Content-Type).
 */
export function deadline(ms: number, signal?: AbortSignal, headers: Record<string, string> = {}): CallOptions {
  const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(ms)));
  return { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers };
}

/** The HTTP status of a failed API call, if it has one. */
export const statusOf = (e: unknown): number | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e).code === 'number' ? (e as { code: number }).code : undefined;

/** A one-line description of an error of any shape. */
export function describeError(e: unknown): string {
  if (e instanceof Error || e instanceof DOMException) {
    if (e.name === 'TimeoutError') return 'no answer in time';
    return e.message.split('\n')[0] ?? '';
  }
  const status = statusOf(e);
  if (status !== undefined) return `HTTP ${status}`;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e).message);
  return String(e);
}
