// Times on the wire. The apiserver writes metav1.Time as RFC 3339 in seconds and metav1.MicroTime
// (Lease renewTime and acquireTime, Event eventTime and series.lastObservedTime) as RFC 3339 with
// exactly six fractional digits, and parses a MicroTime with that layout only: a MicroTime hahaha
// writes must have six digits. Objects from this client are raw JSON, so every time in them is a
// string, whatever client-node's types say (they declare Date, which its ObjectSerializer made).

/** RFC 3339 with microseconds, as metav1.MicroTime is written: 2026-12-02T10:00:00.123000Z. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Milliseconds since the epoch of a time read from an object (a string, or a Date from older code); NaN if it is neither. */
export const timeMs = (v: unknown): number => (v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN);
