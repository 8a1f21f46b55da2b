import type { CodeSystemConceptDesignation, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { parseCanonical } from './canonical';
import type { CodeSystemProvider, Concept } from './codesystem-provider';
import { compileFilter } from './compose-filter';
import type { TerminologyRegistry } from './registry';

/** One code of an expansion, before it is rendered to `ValueSet.expansion.contains`. */
export interface ExpansionEntry {
  system: string;
  version?: string;
  code: string;
  display?: string;
  inactive: boolean;
  abstract: boolean;
  concept?: Concept;
  provider?: CodeSystemProvider;
  /** Designations given in the value set's compose for this code. */
  composeDesignations?: CodeSystemConceptDesignation[];
}

export interface ComposeResult {
  entries: ExpansionEntry[];
  /** code systems used, as url|version */
  usedCodeSystems: Map<string, string | undefined>;
  usedValueSets: Set<string>;
}

export interface ComposeOptions {
  /** Versions to use for code systems a compose does not pin (system-version parameter). */
  systemVersions?: Map<string, string>;
  /** Versions that override what the compose says (force-system-version). */
  forceSystemVersions?: Map<string, string>;
  /** Upper bound on the number of codes before the expansion is refused as too costly. */
  maxEntries?: number;
  supplements?: readonly string[];
}

export function entryKey(system: string, code: string): string {
  return `${system}\u0000${code}`;
}

/** Computes the codes a ValueSet's compose defines (FHIR semantics: includes unioned, excludes removed last). */
export class ComposeEvaluator {
  private readonly stack: string[] = [];

  constructor(private readonly registry: TerminologyRegistry, private readonly options: ComposeOptions = {}) {}

  evaluate(vs: ValueSet): ComposeResult {
    const result: ComposeResult = { entries: [], usedCodeSystems: new Map(), usedValueSets: new Set() };
    const key = `${vs.url ?? vs.id}|${vs.version ?? ''}`;
    if (this.stack.includes(key)) {
      throw new FhirError(400, 'processing', `The value set ${vs.url} includes itself (circular import)`, { txIssueType: 'vs-invalid' });
    }
    this.stack.push(key);
    try {
      const compose = vs.compose;
      if (!compose) {
        if (vs.expansion?.contains) return this.fromStoredExpansion(vs, result);
        throw new FhirError(400, 'invalid', `The value set ${vs.url ?? vs.id} has no compose`, { txIssueType: 'vs-invalid' });
      }
      const seen = new Map<string, ExpansionEntry>();
      for (const include of compose.include ?? []) {
        for (const e of this.evaluateInclude(include, result, compose.inactive)) {
          const k = entryKey(e.system, e.code);
          if (!seen.has(k)) {
            seen.set(k, e);
            result.entries.push(e);
          }
        }
      }
      if (compose.exclude && compose.exclude.length > 0) {
        const excluded = new Set<string>();
        for (const exclude of compose.exclude) {
          for (const e of this.evaluateInclude(exclude, result, undefined)) excluded.add(entryKey(e.system, e.code));
        }
        result.entries = result.entries.filter((e) => !excluded.has(entryKey(e.system, e.code)));
      }
      return result;
    } finally {
      this.stack.pop();
    }
  }

  private fromStoredExpansion(vs: ValueSet, result: ComposeResult): ComposeResult {
    const walk = (contains: NonNullable<ValueSet['expansion']>['contains']): void => {
      for (const c of contains ?? []) {
        if (c.system && c.code) {
          result.entries.push({
            system: c.system, version: c.version, code: c.code, display: c.display,
            inactive: c.inactive === true, abstract: c.abstract === true,
          });
        }
        walk(c.contains);
      }
    };
    walk(vs.expansion?.contains);
    return result;
  }

  private resolveProvider(include: ValueSetComposeInclude): CodeSystemProvider {
    const system = include.system!;
    const forced = this.options.forceSystemVersions?.get(system);
    const version = forced ?? include.version ?? this.options.systemVersions?.get(system);
    const provider = this.registry.codeSystemProvider(system, version, this.options.supplements);
    if (!provider) {
      const text = version
        ? `A definition for CodeSystem '${system}' version '${version}' could not be found, so the value set cannot be expanded`
        : `A definition for CodeSystem '${system}' could not be found, so the value set cannot be expanded`;
      throw new FhirError(404, 'not-found', text, { txIssueType: 'not-found' });
    }
    return provider;
  }

  private evaluateInclude(include: ValueSetComposeInclude, result: ComposeResult, includeInactive: boolean | undefined): ExpansionEntry[] {
    let fromValueSets: Map<string, ExpansionEntry> | undefined;
    for (const ref of include.valueSet ?? []) {
      const { url, version } = parseCanonical(ref);
      const imported = this.registry.find('ValueSet', url, version);
      if (!imported) {
        throw new FhirError(404, 'not-found', `A definition for the value set '${ref}' could not be found`, { txIssueType: 'not-found' });
      }
      result.usedValueSets.add(`${imported.url}${imported.version ? `|${imported.version}` : ''}`);
      const sub = this.evaluate(imported);
      for (const [k, v] of sub.usedCodeSystems) result.usedCodeSystems.set(k, v);
      const map = new Map(sub.entries.map((e) => [entryKey(e.system, e.code), e]));
      fromValueSets = fromValueSets ? new Map([...fromValueSets].filter(([k]) => map.has(k))) : map;
    }
    if (!include.system) return fromValueSets ? [...fromValueSets.values()] : [];

    const provider = this.resolveProvider(include);
    result.usedCodeSystems.set(provider.url, provider.version);
    const entries: ExpansionEntry[] = [];
    const push = (concept: Concept, display?: string, designations?: CodeSystemConceptDesignation[]): void => {
      entries.push({
        system: provider.url,
        version: provider.version,
        code: concept.code,
        display: display ?? concept.display,
        inactive: provider.isInactive(concept),
        abstract: provider.isAbstract(concept),
        concept,
        provider,
        composeDesignations: designations,
      });
      if (this.options.maxEntries !== undefined && entries.length > this.options.maxEntries) {
        throw FhirError.tooCostly(`The value set expansion has more than ${this.options.maxEntries} codes; use a filter or count`);
      }
    };

    if (include.concept && include.concept.length > 0) {
      for (const ref of include.concept) {
        const concept = provider.locate(ref.code);
        if (!concept) continue;
        push(concept, ref.display ?? concept.display, ref.designation);
      }
    } else {
      const predicates = (include.filter ?? []).map((f) => compileFilter(provider, f));
      for (const concept of provider.all()) {
        if (predicates.every((p) => p(concept))) push(concept);
      }
    }
    void includeInactive;
    if (!fromValueSets) return entries;
    return entries.filter((e) => fromValueSets!.has(entryKey(e.system, e.code)));
  }
}
