// Calls to the Kubernetes API: the deadline every call carries (an AbortSignal set on the request,
// so a hung apiserver cannot hold a caller for undici's minutes-long defaults), the HTTP status of
// a failed call (client-node's ApiException `code`), and a one-line description of any error for
// events and logs.

import { type ConfigurationOptions, Observable, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

/** The default bound on one API request. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Options for one client-node call: abort it after `ms`, or when `signal` aborts; with extra
 * headers (a patch's Content-Type).
 */
export function deadline(ms: number, signal?: AbortSignal, headers: Record<string, string> = {}): ConfigurationOptions {
  const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(ms)));
  const bound = signal ? AbortSignal.any([signal, timeout]) : timeout;
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(bound);
          for (const [k, v] of Object.entries(headers)) ctx.setHeaderParam(k, v);
          return new Observable(Promise.resolve(ctx));
        },
        post: (r: ResponseContext) => new Observable(Promise.resolve(r)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** The HTTP status of a failed API call, if it has one. */
export const statusOf = (e: unknown): number | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e).code === 'number' ? (e as { code: number }).code : undefined;

/** A one-line description of an error of any shape. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'no answer in time';
    return e.message.split('\n')[0] ?? '';
  }
  const status = statusOf(e);
  if (status !== undefined) return `HTTP ${status}`;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e).message);
  return String(e);
}
