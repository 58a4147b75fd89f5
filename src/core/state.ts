// hahaha's record of a pod, kept on the pod itself in the annotation state.hahaha.nais.io/v1: for
// each sidecar, where its shutdown stands (the step claimed, in which round, when, whether it
// failed, whether hahaha gave up), and which reports were made. It lasts exactly as long as the
// pod, whatever the apiserver's --event-ttl, and survives a restart of hahaha or a change of
// leader. Written only by hahaha's ServiceAccount (the chart's admission policy refuses it to
// anyone else, and refuses that ServiceAccount any other change), with a JSON patch whose `test`
// of the old value makes each write exclusive (src/controller/podstate.ts). Pure: text → record →
// text, bounded and never throwing.

import { isObj } from './json.ts';

/** Where one sidecar's shutdown stands. Steps go in order within a round; rounds go in order. */
export interface Progress {
  /** The round of the claimed step (0-based). */
  readonly round: number;
  /** The claimed step (0-based). */
  readonly step: number;
  /** When the step was claimed (ms since the epoch). */
  readonly claimedAt: number;
  /** The claimed step is known not to have stopped the container, since this time. */
  readonly failedAt?: number;
  /** The container's restart count when the step was claimed. */
  readonly restarts: number;
  /** Its restart count when the first step of the first round was claimed. */
  readonly firstRestarts: number;
  /** hahaha gave up on this sidecar: it is left alone for as long as the pod lives. */
  readonly gaveUp?: boolean;
}

export interface PodState {
  readonly sidecars: Readonly<Record<string, Progress>>;
  /** Reports made, each once per pod: `Reason` or `Reason/container`. */
  readonly reported: readonly string[];
}

export const EMPTY_STATE: PodState = { sidecars: {}, reported: [] };

/**
 * The longest record read. A pod has at most 250 containers (the webhook's bound) and each entry
 * is about 150 characters, so a real record stays far below this; anything longer is not hahaha's.
 */
export const MAX_STATE_CHARS = 128 * 1024;
const MAX_ENTRIES = 2_000;
const MAX_REPORT_CHARS = 320;

export const reportKey = (reason: string, container?: string): string => (container === undefined ? reason : `${reason}/${container}`);

const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e6;
const time = (v: unknown): number | undefined => {
  if (typeof v !== 'string' || v.length > 40) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
};

/** The record in an annotation's text, or what is wrong with it (the pod is then left alone, and says why). */
export function parseState(text: string | undefined): { state: PodState } | { error: string } {
  if (text === undefined || text === '') return { state: EMPTY_STATE };
  if (text.length > MAX_STATE_CHARS) return { error: `longer than ${MAX_STATE_CHARS} characters` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  if (!isObj(raw)) return { error: 'not a JSON object' };
  const sidecars: Record<string, Progress> = {};
  const s = raw.sidecars ?? {};
  if (!isObj(s)) return { error: '"sidecars" is not an object' };
  const names = Object.keys(s);
  if (names.length > MAX_ENTRIES) return { error: `more than ${MAX_ENTRIES} sidecars` };
  for (const name of names) {
    const p = s[name];
    const where = `sidecars[${JSON.stringify(name.slice(0, 100))}]`;
    if (!isObj(p)) return { error: `${where} is not an object` };
    const claimedAt = time(p.claimed);
    const failedAt = p.failed === undefined ? undefined : time(p.failed);
    if (!count(p.round) || !count(p.step) || !count(p.restarts) || !count(p.firstRestarts)) return { error: `${where} needs round, step, restarts and firstRestarts as whole numbers` };
    if (claimedAt === undefined) return { error: `${where}.claimed is not an RFC 3339 time` };
    if (p.failed !== undefined && failedAt === undefined) return { error: `${where}.failed is not an RFC 3339 time` };
    if (p.gaveUp !== undefined && p.gaveUp !== true) return { error: `${where}.gaveUp is not true` };
    sidecars[name] = {
      round: p.round,
      step: p.step,
      claimedAt,
      restarts: p.restarts,
      firstRestarts: p.firstRestarts,
      ...(failedAt !== undefined ? { failedAt } : {}),
      ...(p.gaveUp ? { gaveUp: true } : {}),
    };
  }
  const r = raw.reported ?? [];
  if (!Array.isArray(r) || r.length > MAX_ENTRIES || !r.every((x) => typeof x === 'string' && x.length <= MAX_REPORT_CHARS)) {
    return { error: `"reported" is not a list of at most ${MAX_ENTRIES} short strings` };
  }
  return { state: { sidecars, reported: r as string[] } };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The annotation's text of a record: the same record gives the same text (sorted keys). */
export function formatState(state: PodState): string {
  const sidecars: Record<string, unknown> = {};
  for (const name of Object.keys(state.sidecars).sort()) {
    const p = state.sidecars[name] as Progress;
    sidecars[name] = {
      round: p.round,
      step: p.step,
      claimed: iso(p.claimedAt),
      ...(p.failedAt !== undefined ? { failed: iso(p.failedAt) } : {}),
      restarts: p.restarts,
      firstRestarts: p.firstRestarts,
      ...(p.gaveUp ? { gaveUp: true } : {}),
    };
  }
  return JSON.stringify({ sidecars, reported: [...new Set(state.reported)].sort() });
}

/** The record with one sidecar's progress replaced. */
export const withProgress = (state: PodState, container: string, p: Progress): PodState => ({ ...state, sidecars: { ...state.sidecars, [container]: p } });

/** The record with these reports made. */
export const withReports = (state: PodState, keys: readonly string[]): PodState => (keys.length ? { ...state, reported: [...state.reported, ...keys] } : state);
