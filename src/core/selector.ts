// Label selectors in kubectl's text form (`key=value,key2 in (a,b),!key3`): parse once, match many.
// Managed pods are the ones whose labels match; the same text goes into the webhook
// configurations' objectSelector and the controller's watch, so all three agree.

export type Requirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'doesnotexist' };

export interface Selector {
  readonly text: string;
  readonly requirements: readonly Requirement[];
}

export type SelectorResult = { ok: true; value: Selector } | { ok: false; error: string };

// Label keys: optional DNS-subdomain prefix and a name of at most 63 characters.
const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Split on commas that are not inside parentheses. */
function splitTop(text: string): { part: string; at: number }[] {
  const parts: { part: string; at: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      parts.push({ part: text.slice(start, i), at: start });
      start = i + 1;
    }
  }
  return parts;
}

export function parseSelector(text: string): SelectorResult {
  const requirements: Requirement[] = [];
  if (text.trim() === '') return { ok: false, error: 'the selector is empty: it would make every pod managed' };
  for (const { part, at } of splitTop(text)) {
    const r = parseRequirement(part.trim());
    if (typeof r === 'string') {
      return { ok: false, error: `selector ${JSON.stringify(text)}: ${r} at column ${at + 1 + (part.length - part.trimStart().length)}` };
    }
    requirements.push(r);
  }
  return { ok: true, value: { text, requirements } };
}

function parseRequirement(p: string): Requirement | string {
  const checkKey = (key: string): string | undefined =>
    KEY.test(key) ? undefined : `${JSON.stringify(key)} is not a valid label key`;
  const checkValue = (v: string): string | undefined =>
    VALUE.test(v) ? undefined : `${JSON.stringify(v)} is not a valid label value`;
  if (p === '') return 'expected a requirement, got nothing';
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(p);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    const bad = checkKey(key) ?? values.map(checkValue).find((e) => e !== undefined);
    if (bad) return bad;
    return { key, op: op as 'in' | 'notin', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p);
  if (eq) {
    const [, key = '', op, value = ''] = eq;
    const bad = checkKey(key) ?? checkValue(value);
    if (bad) return bad;
    return { key, op: op === '!=' ? 'notin' : 'in', values: [value] };
  }
  if (p.startsWith('!')) {
    const key = p.slice(1).trim();
    return checkKey(key) ?? { key, op: 'doesnotexist' };
  }
  return checkKey(p) ? `expected "key", "!key", "key=value", "key!=value" or "key in (a,b)", got ${JSON.stringify(p)}` : { key: p, op: 'exists' };
}

export function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] as string);
      case 'notin':
        return !has || !r.values.includes(labels[r.key] as string);
    }
  });
}

/** The selector as a Kubernetes LabelSelector (for webhook objectSelector). */
export function toLabelSelector(selector: Selector): {
  matchExpressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
} {
  const operator = { in: 'In', notin: 'NotIn', exists: 'Exists', doesnotexist: 'DoesNotExist' } as const;
  return {
    matchExpressions: selector.requirements.map((r) =>
      r.op === 'in' || r.op === 'notin'
        ? { key: r.key, operator: operator[r.op], values: [...r.values] }
        : { key: r.key, operator: operator[r.op] },
    ),
  };
}
