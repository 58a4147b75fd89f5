// `hahaha convert` without the I/O: manifest text in (YAML, multi-document, or JSON), the same text
// out with each pod's sidecars made native as the mutating webhook would, plus a note per sidecar
// and every error. Owns finding the pods (Pod, Job, CronJob, List items) and editing them through
// the yaml Document API, so comments, key order and formatting of untouched parts survive; the
// decisions themselves come from analyze(), as in the webhook.

import { Document, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
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
  let docs: Document[];
  if (json) {
    try {
      docs = [new Document(JSON.parse(text))];
    } catch (e) {
      return { output: '', notes, errors: [`${file}: document 1: not valid JSON: ${(e as Error).message}`] };
    }
  } else {
    docs = parseAllDocuments(text);
    docs.forEach((doc, i) => {
      for (const e of doc.errors) {
        const at = e.linePos?.[0];
        errors.push(`${file}: document ${i + 1}: ${at ? `${at.line}:${at.col}: ` : ''}${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
      }
    });
    if (errors.length) return { output: '', notes, errors };
  }

  const changed = docs.map((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      errors.push(`${where}: ${(e as Error).message}`); // e.g. too many aliases
      return false;
    }
    if (!isObj(value)) return false;
    if (value.kind !== 'List') return convertObject(doc, value, [], where, config, notes, errors);
    if (!Array.isArray(value.items)) {
      errors.push(`${where}: items: is not a list`);
      return false;
    }
    return value.items
      .map((item: unknown, j) => isObj(item) && convertObject(doc, item, ['items', j], where, config, notes, errors))
      .some(Boolean);
  });
  if (errors.length) return { output: '', notes, errors };
  if (!changed.some(Boolean)) return { output: text, notes, errors };
  if (json) return { output: `${JSON.stringify(docs[0]?.toJS(), null, 2)}\n`, notes, errors };
  // Unchanged documents keep their exact text; each document's text runs up to the next one's start.
  const starts = docs.map((d, i) => (i === 0 ? 0 : (d.range?.[0] ?? 0)));
  const indentSeq = !/^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text);
  const output = docs
    .map((d, i) => (changed[i] ? d.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq }) : text.slice(starts[i], starts[i + 1] ?? text.length)))
    .join('');
  return { output, notes, errors };
}

/** Convert the pod (template) of one object at `at` in the document; true when it changed. */
function convertObject(doc: Document, obj: Record<string, unknown>, at: Path, where: string, config: Config, notes: string[], errors: string[]): boolean {
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
    const annotations = mapAt(doc, [...tpl, 'metadata', 'annotations']);
    if (annotations.items.length === 0) annotations.flow = false;
    for (const k of switches) annotations.set(k, analysis.additions[k]);
  }
  return moved.length > 0 || switches.length > 0;
}

/** The map at `path`, made (metadata first in its parent, anything else last) when it is missing or null. */
function mapAt(doc: Document, path: Path): YAMLMap {
  const node = path.length ? doc.getIn(path, true) : doc.contents;
  if (isMap(node)) return node;
  const parent = mapAt(doc, path.slice(0, -1));
  const key = path.at(-1) as string;
  const made = new YAMLMap();
  if (parent.has(key) || key !== 'metadata') parent.set(key, made);
  else parent.items.unshift(doc.createPair(key, made));
  return made;
}
