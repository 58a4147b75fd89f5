// `hahaha convert` without the I/O: manifest text in (YAML, multi-document, or JSON), the same text
// out with each pod's sidecars made native as the mutating webhook would, plus a note per sidecar
// and every error. Owns finding the pods (Pod, Job, CronJob, List items) and editing them through
// the yaml Document API, so comments, key order and formatting of untouched parts survive; the
// decisions themselves come from analyze(), as in the webhook. Moving a container reorders the
// document, so aliases are settled afterwards (see settleAliases): each one that still refers to its
// own anchor stays, any other is written out as the node it stood for.

import {
  type Alias,
  type Node,
  Document,
  LineCounter,
  YAMLMap,
  YAMLSeq,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
} from 'yaml';
import { type Config, analyze, problemMessage } from './analysis.ts';
import { isObj } from './json.ts';
import { type NativeDecision, injectorSwitches } from './native.ts';
import { podView } from './pod.ts';
import type { Selector } from './selector.ts';

export interface ManifestResult {
  /** The converted text: the input itself when nothing changed; empty when there are errors. */
  readonly output: string;
  /** One line per pod or sidecar: what moved, what stays and why (for standard error). */
  readonly notes: readonly string[];
  /** Each one names the file, the document (1-based) and the path. */
  readonly errors: readonly string[];
}

/** convert matches every pod: the file says which pods to convert, not the selector. */
export const EVERY_POD: Selector = { text: '(every pod)', requirements: [] };
export const CONVERT: NativeDecision = { convert: true, code: 'mode-on', reason: 'hahaha convert' };

type Path = (string | number)[];

/** Where the pod (template) sits in an object of each kind; other kinds pass through. */
const TEMPLATE: Readonly<Record<string, Path>> = {
  Pod: [],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

const pathText = (path: Path): string => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');

function get(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) v = isObj(v) ? v[k] : Array.isArray(v) ? (v as unknown[])[k as number] : undefined;
  return v;
}

/** podView's "spec.containers[1] has no name" under `at` becomes "<at>.spec.containers[1]: has no name". */
function located(at: Path, problem: string): string {
  const m = /^((?:metadata|spec)\.\w+(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?) (.*)$/.exec(problem);
  const [where, detail] = m ? [m[1] as string, m[2] as string] : ['', problem];
  const path = [pathText(at), where].filter(Boolean).join('.');
  return path ? `${path}: ${detail}` : detail;
}

export function convertManifests(text: string, file: string, baseConfig: Config): ManifestResult {
  const config: Config = { ...baseConfig, selector: EVERY_POD };
  const notes: string[] = [];
  const errors: string[] = [];
  const json = /^\s*[{[]/.test(text);
  const lines = new LineCounter();
  let docs: Document[];
  if (json) {
    try {
      docs = [new Document(JSON.parse(text))];
    } catch (e) {
      return { output: '', notes, errors: [`${file}: document 1: not valid JSON: ${(e as Error).message}`] };
    }
  } else {
    docs = parseAllDocuments(text, { lineCounter: lines });
    docs.forEach((doc, i) => {
      for (const e of doc.errors) {
        const at = e.linePos?.[0];
        errors.push(`${file}: document ${i + 1}: ${at ? `${at.line}:${at.col}: ` : ''}${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
      }
    });
    if (errors.length) return { output: '', notes, errors };
  }
  const position = (node: Node): string => {
    const at = node.range ? lines.linePos(node.range[0]) : undefined;
    return at && !json ? `${at.line}:${at.col}: ` : '';
  };

  const aliases = docs.map((doc) => readAliases(doc));
  const changed = docs.map((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    const { targets, unresolved } = aliases[i] as DocumentAliases;
    if (unresolved.length) {
      errors.push(...unresolved.map((a) => `${where}: ${position(a)}the alias *${a.source} has no anchor &${a.source} before it`));
      return false;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      errors.push(`${where}: ${(e as Error).message}`); // e.g. too many aliases
      return false;
    }
    if (!isObj(value)) return false;
    const convert = (item: Record<string, unknown>, at: Path) => convertObject(doc, targets, item, at, where, config, notes, errors);
    if (value.kind !== 'List') return convert(value, []);
    if (!Array.isArray(value.items)) {
      errors.push(`${where}: items: is not a list`);
      return false;
    }
    return value.items.map((item: unknown, j) => isObj(item) && convert(item, ['items', j])).some(Boolean);
  });
  if (errors.length) return { output: '', notes, errors };
  if (!changed.some(Boolean)) return { output: text, notes, errors };
  if (json) return { output: `${JSON.stringify(docs[0]?.toJS(), null, 2)}\n`, notes, errors };
  // Unchanged documents keep their exact text; each document's text runs up to the next one's start.
  const starts = docs.map((d, i) => (i === 0 ? 0 : (d.range?.[0] ?? 0)));
  const indentSeq = !/^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text);
  const output = docs.map((d, i) => {
    if (!changed[i]) return text.slice(starts[i], starts[i + 1] ?? text.length);
    const where = `${file}: document ${i + 1}`;
    const cycle = settleAliases(d, (aliases[i] as DocumentAliases).targets);
    if (cycle) {
      errors.push(`${where}: ${position(cycle)}the alias *${cycle.source} would no longer refer to its anchor once converted, and it stands for a node that contains it; write it out to convert this document`);
      return '';
    }
    try {
      return d.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq });
    } catch (e) {
      errors.push(`${where}: cannot write the converted document: ${(e as Error).message}`);
      return '';
    }
  });
  if (errors.length) return { output: '', notes, errors };
  return { output: output.join(''), notes, errors };
}

// --- aliases ------------------------------------------------------------------------------------

/** What an alias stood for when the document was read: its anchored node, and a copy of that node as it was then. */
interface AliasTarget {
  readonly node: Node;
  readonly copy: Node;
}

interface DocumentAliases {
  /** Every alias of the document (and of the copies), with what it stood for. */
  readonly targets: Map<Alias, AliasTarget>;
  /** Aliases with no anchor of their name before them. */
  readonly unresolved: readonly Alias[];
}

/** The aliases of a node, in document order. */
function aliasesIn(node: Node): Alias[] {
  const found: Alias[] = [];
  visit(node, { Alias: (_key, a) => void found.push(a) });
  return found;
}

/**
 * What each alias of the document stands for, as YAML resolves it: the last node before it (in
 * document order, its own ancestors included) with an anchor of its name. Each anchored node that an
 * alias uses is copied now, before any edit, so that an alias can be written out as what it meant.
 */
function readAliases(doc: Document): DocumentAliases {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, AliasTarget>();
  const unresolved: Alias[] = [];
  const copies = new Map<Node, AliasTarget>();
  visit(doc, {
    Node: (_key, node) => {
      if (!isAlias(node)) {
        if (node.anchor) anchors.set(node.anchor, node);
        return;
      }
      const target = anchors.get(node.source);
      if (!target) return void unresolved.push(node);
      let t = copies.get(target);
      if (!t) {
        t = { node: target, copy: target.clone() as Node };
        copies.set(target, t);
      }
      targets.set(node, t);
    },
  });
  // The aliases inside a copy stand for what the original's stood for (each resolved before the copy's node).
  for (const t of copies.values()) {
    const copied = aliasesIn(t.copy);
    aliasesIn(t.node).forEach((a, i) => {
      const meant = targets.get(a);
      if (meant && copied[i]) targets.set(copied[i], meant);
    });
  }
  return { targets, unresolved };
}

/** A fresh copy of what an alias stood for, without anchors (a copy must not shadow any); its aliases stand for what the copy's did. */
function writtenOut(t: AliasTarget, targets: Map<Alias, AliasTarget>): Node {
  const made = t.copy.clone() as Node;
  const from = aliasesIn(t.copy);
  aliasesIn(made).forEach((a, i) => {
    const meant = from[i] && targets.get(from[i]);
    if (meant) targets.set(a, meant);
  });
  visit(made, { Node: (_key, n) => void (isAlias(n) || delete n.anchor) });
  writtenFrom.set(made, t);
  return made;
}
const writtenFrom = new WeakMap<Node, AliasTarget>();

/** Whether two nodes hold the same YAML (aliases by name). */
function sameNode(a: unknown, b: unknown): boolean {
  if (isAlias(a) || isAlias(b)) return isAlias(a) && isAlias(b) && a.source === b.source;
  if (isScalar(a) || isScalar(b)) {
    return isScalar(a) && isScalar(b) && a.tag === b.tag && (Object.is(a.value, b.value) || (a.source !== undefined && a.source === b.source));
  }
  if (isPair(a) || isPair(b)) return isPair(a) && isPair(b) && sameNode(a.key, b.key) && sameNode(a.value, b.value);
  if (isCollection(a) || isCollection(b)) {
    return isCollection(a) && isCollection(b) && isMap(a) === isMap(b) && a.tag === b.tag && a.items.length === b.items.length && a.items.every((x, i) => sameNode(x, b.items[i]));
  }
  return Object.is(a, b);
}

/**
 * After the edits, make every alias mean what it meant when the document was read. Walking in
 * document order (the order it is written in), an alias stays when the last anchor of its name
 * before it is still its own node and that node holds what it held; otherwise (its anchor now comes
 * after it, another anchor of the name came between, or convert changed the node) it is replaced by
 * a copy of the node as it was read. Returns an alias that cannot be written out because it stands
 * for a node that contains it.
 */
function settleAliases(doc: Document, targets: Map<Alias, AliasTarget>): Alias | undefined {
  const anchors = new Map<string, Node>();
  const unchanged = new Map<AliasTarget, boolean>();
  let cycle: Alias | undefined;
  visit(doc, {
    Node: (_key, node, path) => {
      if (!isAlias(node)) {
        if (node.anchor) anchors.set(node.anchor, node);
        return undefined;
      }
      const t = targets.get(node);
      if (!t) return undefined;
      let same = unchanged.get(t);
      if (same === undefined) unchanged.set(t, (same = sameNode(t.node, t.copy)));
      if (same && anchors.get(node.source) === t.node) return undefined;
      if (path.some((p) => p === t.node || writtenFrom.get(p as Node) === t)) {
        cycle = node;
        return visit.BREAK;
      }
      return writtenOut(t, targets);
    },
  });
  return cycle;
}

/** Convert the pod (template) of one object at `at` in the document; true when it changed. */
function convertObject(
  doc: Document,
  aliases: Map<Alias, AliasTarget>,
  obj: Record<string, unknown>,
  at: Path,
  where: string,
  config: Config,
  notes: string[],
  errors: string[],
): boolean {
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const inKind = TEMPLATE[kind];
  if (!inKind) return false;
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? meta.generateName : '';
  const label = `${where} (${[kind, name].filter(Boolean).join(' ')})`;
  const tpl = [...at, ...inKind];
  const pod = get(obj, inKind);
  if (!isObj(pod)) {
    errors.push(`${where}: ${pathText(tpl)}: ${pod === undefined ? 'is missing' : 'is not a map'}`);
    return false;
  }
  const view = podView(pod);
  if (view.problems.length) {
    errors.push(...view.problems.map((p) => `${where}: ${located(tpl, p)}`));
    return false;
  }
  const analysis = analyze(view, config, CONVERT);
  if (analysis.problems.length) {
    errors.push(...analysis.problems.map((p) => `${label}: ${p.key === 'pod' ? located(tpl, p.detail) : `denied by the validating webhook: ${problemMessage(p)}`}`));
    return false;
  }
  const conversion = analysis.conversion;
  if (!conversion?.convert) {
    notes.push(`${label}: not converted: ${conversion?.reason ?? analysis.reason}`);
    return false;
  }
  for (const s of conversion.sidecars) {
    notes.push(`${label}: ${s.name}: ${s.verdict === 'move' ? 'moved to initContainers (restartPolicy: Always)' : `stays in containers: ${s.reason}`}`);
  }
  if (conversion.sidecars.length === 0) notes.push(`${label}: no regular sidecars to move`);

  const spec = [...tpl, 'spec'];
  const moving = new Set(conversion.moves.map((m) => m.name));
  const containers = doc.getIn([...spec, 'containers'], true);
  const initNode = doc.getIn([...spec, 'initContainers'], true);
  const moved = isSeq(containers) ? containers.items.filter((c): c is YAMLMap => isMap(c) && moving.has(c.get('name') as string)) : [];
  if (moved.length !== moving.size || (moved.length && initNode !== undefined && initNode !== null && !isSeq(initNode) && !isScalar(initNode))) {
    // A YAML alias (*name) for the list or for a container: moving it would change every other use of its anchor.
    errors.push(`${label}: ${[...spec, 'containers'].join('.')}: its containers or initContainers are YAML aliases or not plain lists; write them out to convert this pod`);
    return false;
  }
  if (isSeq(containers) && moved.length) {
    containers.items = containers.items.filter((c) => !moved.includes(c as YAMLMap));
    for (const c of moved) c.set('restartPolicy', 'Always');
    let inits = doc.getIn([...spec, 'initContainers'], true);
    if (!isSeq(inits)) {
      inits = new YAMLSeq();
      const specMap = doc.getIn(spec, true) as YAMLMap;
      const before = specMap.items.findIndex((p) => (p.key as { value?: unknown } | null)?.value === 'containers');
      if (specMap.has('initContainers')) specMap.set('initContainers', inits);
      else specMap.items.splice(Math.max(before, 0), 0, doc.createPair('initContainers', inits));
    }
    (inits as YAMLSeq).items.push(...moved);
  }

  const switches = Object.keys(injectorSwitches(config.catalog, view.annotations)).filter(
    (k) => view.annotations[k] === undefined && analysis.additions[k] !== undefined,
  );
  if (switches.length) {
    const annotations = mapAt(doc, aliases, [...tpl, 'metadata', 'annotations']);
    if (annotations.items.length === 0) annotations.flow = false;
    for (const k of switches) annotations.set(k, analysis.additions[k]);
  }
  return moved.length > 0 || switches.length > 0;
}

/**
 * The map at `path`, made (metadata first in its parent, anything else last) when it is missing or
 * null. An alias on the way is written out first (the node it stands for is used elsewhere too).
 */
function mapAt(doc: Document, aliases: Map<Alias, AliasTarget>, path: Path): YAMLMap {
  let node = doc.contents as YAMLMap | YAMLSeq;
  for (const [i, key] of path.entries()) {
    let child: unknown = node.get(key, true);
    const meant = isAlias(child) ? aliases.get(child) : undefined;
    if (meant) node.set(key, (child = writtenOut(meant, aliases)));
    if (isMap(child) || (isSeq(child) && typeof path[i + 1] === 'number')) {
      node = child;
      continue;
    }
    const made = new YAMLMap();
    if (!isMap(node) || node.has(key) || key !== 'metadata') node.set(key, made);
    else node.items.unshift(doc.createPair(key, made));
    node = made;
  }
  return node as YAMLMap;
}
