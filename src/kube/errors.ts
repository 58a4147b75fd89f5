// A call the apiserver answered with an error: the HTTP status as `code` (what controller/api.ts
// statusOf reads, as it read client-node's ApiException) and as `statusCode` (what the reflector
// reads on a watch that ended, as client-node's Watch set it), the apiserver's Status when the
// body is one, and a one-line message with the Status's reason and message.

import { STATUS_CODES } from 'node:http';

/** metav1.Status, as the apiserver sends it with a failed call (and in a watch's ERROR event). */
export interface Status {
  readonly kind?: string;
  readonly apiVersion?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly name?: string; readonly kind?: string; readonly causes?: readonly { readonly reason?: string; readonly message?: string; readonly field?: string }[] };
}

const MAX_BODY = 300;

/** The Status in a response body, if the body is one. */
export function statusIn(body: string): Status | undefined {
  try {
    const v = JSON.parse(body) as Status | null;
    return typeof v === 'object' && v !== null && v.kind === 'Status' ? v : undefined;
  } catch {
    return undefined;
  }
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The HTTP status. */
  readonly code: number;
  /** The HTTP status again, under the name client-node's Watch gave it. */
  readonly statusCode: number;
  /** The apiserver's Status, when the body was one. */
  readonly body?: Status;
  /** The apiserver's reason (NotFound, Conflict, AlreadyExists, Forbidden, ...), else the HTTP reason phrase. */
  readonly reason: string;
  /** What was asked: "GET /api/v1/pods" (no query, no body, no credentials). */
  readonly request: string;

  constructor(request: string, code: number, body: string) {
    const status = statusIn(body);
    const reason = status?.reason || STATUS_CODES[code] || 'Error';
    const text = status?.message ?? body.trim().replace(/\s+/g, ' ');
    const detail = text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}…` : text;
    super(`HTTP ${code} ${reason}${detail ? `: ${detail}` : ''}`);
    this.code = code;
    this.statusCode = code;
    this.reason = reason;
    this.request = request;
    if (status) this.body = status;
  }
}
