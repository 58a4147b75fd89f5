// The shutdown action grammar of docs/design.md: annotation text <-> typed action.
//
//   action    = step *( " || " step )
//   step      = http-step / exec-step / "none"
//   http-step = method " :" port path             POST :4191/shutdown
//   exec-step = "exec " argv                      exec /bin/kill -s INT 1
//
// `parseAction` never throws: it returns the action or an error that says what was expected at
// which column (1-based, counted in the text as given) and what was found there. `formatAction`
// writes the canonical text, so parse(format(a)) equals a and format(parse(s)) equals s for
// canonical s. Runs of spaces or tabs are accepted wherever the grammar has one space, and
// leading/trailing white space is ignored; formatting folds them to single spaces.
//
// Exec argv is split as a POSIX shell splits words (single quotes, double quotes, backslash) with
// no expansion of any kind. Unquoted shell operators ($ ` ; & | < > ( )) are refused because
// hahaha never runs a shell: whoever writes them expects a shell and would be surprised.

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

export interface HttpStep {
  readonly kind: 'http';
  readonly method: Method;
  readonly port: number;
  /** Path and optional query, starting with "/". */
  readonly path: string;
}
export interface ExecStep {
  readonly kind: 'exec';
  readonly argv: readonly string[];
}
export interface NoneStep {
  readonly kind: 'none';
}
export type Step = HttpStep | ExecStep | NoneStep;
/** One or more steps, tried in order until one works. `none` only ever stands alone. */
export type Action = readonly Step[];

export interface ActionError {
  /** Human-readable: `expected ... at column N, got "..."`. */
  readonly message: string;
  /** 1-based column in the original text. */
  readonly column: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ActionError };

const STEP_EXPECTATION = '"exec <command>", "<METHOD> :<port><path>" or "none"';
const MAX_GOT = 40;

class SyntaxFailure extends Error {
  readonly column: number;
  constructor(column: number, message: string) {
    super(message);
    this.column = column;
  }
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
// Control characters (C0, DEL, C1) are never allowed: they hide in logs and terminals.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

/** Quote a fragment of input for an error message, shortened if long. */
export function quoteGot(s: string): string {
  const cut = s.length > MAX_GOT ? `${s.slice(0, MAX_GOT)}…` : s;
  return JSON.stringify(cut);
}

class Scanner {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }
  skipBlanks(): number {
    const start = this.pos;
    while (isBlank(this.peek())) this.pos++;
    return this.pos - start;
  }
  /** The rest of the current step, for "got" in error messages. */
  rest(from = this.pos): string {
    const tail = this.text.slice(from);
    const sep = tail.search(/[ \t]\|\|(?:[ \t]|$)/);
    return (sep >= 0 ? tail.slice(0, sep) : tail).trimEnd();
  }
  fail(expected: string, at = this.pos, got = this.rest(at)): never {
    throw new SyntaxFailure(at + 1, `expected ${expected} at column ${at + 1}, got ${quoteGot(got)}`);
  }
  /** The next run of characters up to white space or the end. */
  word(): string {
    const start = this.pos;
    while (!this.done && !isBlank(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  atStepEnd(): boolean {
    return this.done || isBlank(this.peek());
  }
}

/** Parse annotation text into an action. Never throws. */
export function parseAction(text: string): ParseResult<Action> {
  try {
    return { ok: true, value: parseSteps(text) };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, error: { message: e.message, column: e.column } };
    throw e;
  }
}

function parseSteps(text: string): Action {
  const control = CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new SyntaxFailure(
      control.index + 1,
      `control character U+${code} at column ${control.index + 1} is not allowed`,
    );
  }
  const s = new Scanner(text);
  s.skipBlanks();
  const steps: { step: Step; at: number }[] = [];
  for (;;) {
    const at = s.pos;
    steps.push({ step: parseStep(s), at });
    const blanks = s.skipBlanks();
    if (s.done) break;
    if (blanks === 0 || s.peek() !== '|' || s.peek(1) !== '|' || !(isBlank(s.peek(2)) || s.peek(2) === undefined)) {
      s.fail('" || " or the end of the action');
    }
    s.pos += 2;
    s.skipBlanks();
    if (s.done) s.fail(`a step after "||": ${STEP_EXPECTATION}`, s.pos, '');
  }
  if (steps.length > 1) {
    const none = steps.find((x) => x.step.kind === 'none');
    if (none) {
      throw new SyntaxFailure(
        none.at + 1,
        `"none" at column ${none.at + 1} must stand alone: it means the sidecar exits by itself, so no other step can follow or precede it`,
      );
    }
  }
  return steps.map((x) => x.step);
}

function parseStep(scan: Scanner): Step {
  const start = scan.pos;
  const head = scan.word();
  if (head === 'none') return { kind: 'none' };
  if (head === 'exec') {
    if (scan.skipBlanks() === 0 || scan.done || (scan.peek() === '|' && scan.peek(1) === '|')) {
      scan.fail('a command after "exec"', scan.pos, scan.rest());
    }
    return { kind: 'exec', argv: parseArgv(scan) };
  }
  if ((METHODS as readonly string[]).includes(head)) return parseHttp(scan, head as Method);
  // Something that looks like an HTTP step with an unsupported method gets a precise message.
  if (/^[A-Za-z]+$/.test(head) && isBlank(scan.peek()) && /^[ \t]+:/.test(scan.text.slice(scan.pos))) {
    scan.fail(`an HTTP method (${METHODS.join(', ')})`, start, head);
  }
  return scan.fail(STEP_EXPECTATION, start);
}

function parseHttp(scan: Scanner, method: Method): HttpStep {
  if (scan.skipBlanks() === 0) scan.fail('" :<port>" after the method');
  if (scan.peek() !== ':') scan.fail('":<port>" after the method');
  scan.pos++;
  const portStart = scan.pos;
  while (/[0-9]/.test(scan.peek() ?? '')) scan.pos++;
  const digits = scan.text.slice(portStart, scan.pos);
  const port = Number(digits);
  if (digits === '' || digits.length > 5 || (digits.length > 1 && digits.startsWith('0')) || port < 1 || port > 65535) {
    scan.fail('a port number 1..65535', portStart, digits === '' ? scan.rest(portStart) : digits);
  }
  if (scan.peek() !== '/') scan.fail('a path starting with "/" after the port');
  const pathStart = scan.pos;
  const path = scan.word();
  validatePath(path, pathStart);
  return { kind: 'http', method, port, path };
}

// RFC 3986 pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; paths also allow "/", queries "/" and "?".
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

function validatePath(path: string, offset: number): void {
  let inQuery = false;
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === '/' || PCHAR.test(c)) continue;
    if (c === '?' && !inQuery) {
      inQuery = true;
      continue;
    }
    if (c === '?' && inQuery) continue;
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(path.slice(i + 1, i + 3))) {
      i += 2;
      continue;
    }
    const what = c === '%' ? 'a percent sign followed by two hex digits' : 'a URL path character (RFC 3986)';
    throw new SyntaxFailure(
      offset + i + 1,
      `expected ${what} at column ${offset + i + 1}, got ${quoteGot(path.slice(i))}`,
    );
  }
}

const OPERATORS = new Set([';', '&', '|', '<', '>', '(', ')', '$', '`']);

/** Split words as a POSIX shell does, without expansion, until an unquoted "||" word or the end. */
function parseArgv(scan: Scanner): string[] {
  const argv: string[] = [];
  for (;;) {
    scan.skipBlanks();
    if (scan.done) break;
    if (scan.peek() === '|' && scan.peek(1) === '|' && (isBlank(scan.peek(2)) || scan.peek(2) === undefined)) {
      scan.pos--; // leave the blank before "||" for the step separator check
      break;
    }
    argv.push(parseWord(scan));
  }
  return argv;
}

function parseWord(scan: Scanner): string {
  let word = '';
  while (!scan.done && !isBlank(scan.peek())) {
    const at = scan.pos;
    const c = scan.peek() as string;
    if (c === "'") {
      const end = scan.text.indexOf("'", at + 1);
      if (end < 0) scan.fail('a closing single quote', scan.text.length, '');
      word += scan.text.slice(at + 1, end);
      scan.pos = end + 1;
    } else if (c === '"') {
      scan.pos++;
      for (;;) {
        if (scan.done) scan.fail('a closing double quote', scan.pos, '');
        const d = scan.peek() as string;
        scan.pos++;
        if (d === '"') break;
        if (d === '\\' && ['$', '`', '"', '\\'].includes(scan.peek() ?? '')) {
          word += scan.peek();
          scan.pos++;
        } else {
          word += d;
        }
      }
    } else if (c === '\\') {
      if (scan.peek(1) === undefined) scan.fail('a character after the backslash', scan.pos + 1, '');
      word += scan.peek(1);
      scan.pos += 2;
    } else if (OPERATORS.has(c)) {
      throw new SyntaxFailure(
        at + 1,
        `unquoted ${JSON.stringify(c)} at column ${at + 1}: hahaha runs the command without a shell; quote it if it belongs to an argument`,
      );
    } else {
      word += c;
      scan.pos++;
    }
  }
  return word;
}

/** Canonical text of one exec word: bare when safe, else single-quoted. */
export function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function formatStep(step: Step): string {
  switch (step.kind) {
    case 'none':
      return 'none';
    case 'http':
      return `${step.method} :${step.port}${step.path}`;
    case 'exec':
      return `exec ${step.argv.map(quoteWord).join(' ')}`;
  }
}

/** Texts of actions already formatted: the catalog's are the same objects for every pod. */
const formatted = new WeakMap<Action, string>();

/** The canonical annotation text of an action. */
export function formatAction(action: Action): string {
  let text = formatted.get(action);
  if (text === undefined) {
    text = action.map(formatStep).join(' || ');
    formatted.set(action, text);
  }
  return text;
}

/** Parse text known to be valid (built-in catalog, tests); throws with the parse error otherwise. */
export function mustParseAction(text: string): Action {
  const r = parseAction(text);
  if (!r.ok) throw new Error(`invalid action ${JSON.stringify(text)}: ${r.error.message}`);
  return r.value;
}
