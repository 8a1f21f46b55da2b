/**
 * Reading the terminology folder directly, without the server's code: the tests compute their expectations from the
 * files, so a server defect cannot hide behind the same defect in the expectation.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, CodeSystemConcept, ValueSet } from 'fhir/r4';
import { TERMINOLOGY_DIR } from './catalogs';

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(path.isAbsolute(file) ? file : path.join(TERMINOLOGY_DIR, file), 'utf8')) as T;
}

/** Every *.json file under a folder of the terminology directory, recursively, as paths relative to it. */
export function jsonFilesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(TERMINOLOGY_DIR, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.json')) out.push(child);
    }
  };
  walk(folder);
  return out.sort();
}

/** Collapse every run of whitespace to one space and trim (how the catalog texts were transcribed). */
export const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Case-, accent- and Danish-letter-insensitive form of a text (æ=ae, ø=oe, å=aa), written independently of src/. */
export function fold(s: string): string {
  const danish: Record<string, string> = { æ: 'ae', ø: 'oe', å: 'aa' };
  return s
    .toLowerCase()
    .split('')
    .map((ch) => danish[ch] ?? ch)
    .join('')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '');
}

export interface Node {
  code: string;
  display?: string;
  designations: string[];
  children: Set<string>;
  parents: Set<string>;
}

/** A code system's concepts by code, hierarchy taken from `concept.concept` nesting only. */
export class CodeSystemIndex {
  readonly nodes = new Map<string, Node>();
  readonly roots: string[] = [];

  constructor(readonly resource: CodeSystem) {
    const visit = (concepts: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
      for (const c of concepts ?? []) {
        let node = this.nodes.get(c.code);
        if (!node) {
          node = { code: c.code, display: c.display, designations: (c.designation ?? []).map((d) => d.value), children: new Set(), parents: new Set() };
          this.nodes.set(c.code, node);
        }
        if (parent === undefined) this.roots.push(c.code);
        else {
          node.parents.add(parent);
          this.nodes.get(parent)!.children.add(c.code);
        }
        visit(c.concept, c.code);
      }
    };
    visit(resource.concept, undefined);
  }

  /** Every code below `code` (not `code` itself). */
  descendants(code: string): Set<string> {
    const out = new Set<string>();
    const stack = [...(this.nodes.get(code)?.children ?? [])];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (out.has(c)) continue;
      out.add(c);
      stack.push(...this.nodes.get(c)!.children);
    }
    return out;
  }

  ancestors(code: string): Set<string> {
    const out = new Set<string>();
    const stack = [...(this.nodes.get(code)?.parents ?? [])];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (out.has(c)) continue;
      out.add(c);
      stack.push(...this.nodes.get(c)!.parents);
    }
    return out;
  }

  find(predicate: (n: Node) => boolean): Node[] {
    return [...this.nodes.values()].filter(predicate);
  }
}

let fsiii: CodeSystemIndex | undefined;
export function fsiiiIndex(): CodeSystemIndex {
  fsiii ??= new CodeSystemIndex(readJson<CodeSystem>('kl/CodeSystem-FSIII.json'));
  return fsiii;
}

/** Every ValueSet file under a folder, with its path. */
export function valueSetFiles(folder: string): { file: string; vs: ValueSet }[] {
  return jsonFilesUnder(folder)
    .map((file) => ({ file, json: readJson<{ resourceType?: string }>(file) }))
    .filter((x) => x.json.resourceType === 'ValueSet')
    .map((x) => ({ file: x.file, vs: x.json as ValueSet }));
}

/** Every CodeSystem resource the server publishes (examples included, as the tests load them). */
export function codeSystemFiles(): { file: string; cs: CodeSystem }[] {
  return jsonFilesUnder('.')
    .filter((f) => !f.startsWith('build') && !f.startsWith('seeds'))
    .map((file) => ({ file, json: readJson<{ resourceType?: string }>(file) }))
    .filter((x) => x.json.resourceType === 'CodeSystem')
    .map((x) => ({ file: x.file, cs: x.json as CodeSystem }));
}

export const UUID_CODE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
