// What went wrong in a call to the Kubernetes API, as client-node reports it: the HTTP status of an
// ApiException (`code`), and a one-line description of any error for events and logs.

/** The HTTP status of a failed API call, if it has one. */
export const statusOf = (e: unknown): number | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e).code === 'number' ? (e as { code: number }).code : undefined;

/** A one-line description of an error of any shape. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? '';
  const status = statusOf(e);
  if (status !== undefined) return `HTTP ${status}`;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e).message);
  return String(e);
}
