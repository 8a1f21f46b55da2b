import { unknownCodeText } from '../errors/common-errors';
import type { Coding } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import type { Bilingual, Issue } from '../errors/issue';
import { conceptKey, type ClosureConcept, type ClosureEntry } from '../store/closure-store';
import { LimitedList, type CountLimit } from './limited-list';
import { ancestorsOf, type CodeSystemProvider, type Concept } from './providers/provider';
import type { TerminologyRegistry } from './registry';
import type { TimeBudget } from './time-budget';

/** The longest code a closure table keeps. */
export const MAX_CLOSURE_CODE_LENGTH = 256;

/**
 * The codings as concepts of the code systems the server knows (their current version), without repeats. Any coding
 * that is not one (no system or code, a code over MAX_CLOSURE_CODE_LENGTH, an unknown system or version, an unknown
 * code) makes the whole call an error that names each of them: a closure table only takes concepts the server can
 * reason about.
 */
export function locateClosureConcepts(registry: TerminologyRegistry, codings: readonly Coding[]): ClosureConcept[] {
  const problems: Issue[] = [];
  const out = new Map<string, ClosureConcept>();
  codings.forEach((coding, i) => {
    const where = [`concept[${i}]`];
    const fail = (code: 'invalid' | 'not-found' | 'code-invalid', text: Bilingual, txIssueType?: 'not-found' | 'invalid-code' | 'version-error') => {
      problems.push({ severity: 'error', code, text, expression: where, txIssueType });
    };
    if (typeof coding.system !== 'string' || coding.system === '' || typeof coding.code !== 'string' || coding.code === '') {
      fail('invalid', { en: `concept[${i}] needs both a system and a code`, da: `concept[${i}] skal have både et system og en kode` });
      return;
    }
    // a grammar's code systems (BCP-47's private use, UCUM's annotations) take codes of any length: a table's store
    // would grow by what a client sends, not by what the code systems hold
    if (coding.code.length > MAX_CLOSURE_CODE_LENGTH) {
      fail('invalid', {
        en: `concept[${i}]'s code is ${coding.code.length} characters long; a closure table keeps codes of at most ${MAX_CLOSURE_CODE_LENGTH}`,
        da: `concept[${i}] har en kode på ${coding.code.length} tegn; en closure-tabel gemmer koder på højst ${MAX_CLOSURE_CODE_LENGTH} tegn`,
      });
      return;
    }
    const provider = registry.codeSystemProvider(coding.system, coding.version);
    if (!provider) {
      const what = coding.version ? `version '${coding.version}' of the CodeSystem '${coding.system}'` : `the CodeSystem '${coding.system}'`;
      const da = `Kodesystemet '${coding.system}'${coding.version ? ` version '${coding.version}'` : ''} kendes ikke`;
      fail('not-found', { en: `A definition for ${what} could not be found`, da }, coding.version ? 'version-error' : 'not-found');
      return;
    }
    const node = provider.locate(coding.code);
    if (!node) {
      fail('code-invalid', unknownCodeText(coding.code, coding.system, provider.version), 'invalid-code');
      return;
    }
    const concept = { system: provider.url, code: node.code };
    out.set(conceptKey(concept), concept);
  });
  if (problems.length > 0) {
    const [first, ...rest] = listedIssues(problems, (omitted): Issue => {
      const text = omittedIssuesText(omitted);
      return { severity: 'information', code: 'informational', text, diagnostics: text.en };
    });
    // 400 for a coding that is not one; 404 when the first problem is a code system or code the server does not know
    const text = first!.text as Bilingual;
    throw new FhirError(first!.code === 'invalid' ? 400 : 404, first!.code, text.en, {
      expression: first!.expression, txIssueType: first!.txIssueType, extraIssues: rest, da: text.da,
    });
  }
  return [...out.values()];
}

/**
 * The entries that adding `added` to a table holding `existing` brings: every pair (narrower, broader) of one code
 * system where the code system says the broader subsumes the narrower (CodeSystemProvider.subsumes, as $subsumes
 * decides), between a new concept and any other concept of the table, new ones included. Concepts of different code
 * systems are never related: subsumption is a relation within one code system. Concepts whose code system is no
 * longer known are kept in the table but relate to nothing.
 *
 * A concept's relations are found through the hierarchy (subsumes holds between a concept and its ancestors, its
 * parents' closure), not by asking about every concept of the table: the new concept's ancestors are looked up in the
 * table by code, and the concepts of the table below it in an index of their ancestors, made once per call when a new
 * concept has children. The work is the table's size plus its concepts' and the new ones' depth, not the new ones
 * times the table; the table's concepts are located in their code system only when needed. Subsumes is asked about a pair
 * the hierarchy relates only when the code system's subsumes is not the hierarchy's own answer (subsumesByHierarchy):
 * asking walks the path between the two again, so a call cost its entries times their distance (in a chain, the second
 * call of 300 concepts 2.5 s instead of 0.1 s, and growing with the table). With a `limit`, it stops at
 * the first entry past it (a chain of concepts has entries quadratic in its length).
 */
export function closureEntries(
  registry: TerminologyRegistry, existing: readonly ClosureConcept[], added: readonly ClosureConcept[], budget?: TimeBudget, limit?: CountLimit,
): ClosureEntry[] {
  const tables = new Map<string, SystemTable | undefined>();
  const tableOf = (system: string): SystemTable | undefined => {
    if (!tables.has(system)) {
      const provider = registry.codeSystemProvider(system);
      tables.set(system, provider && new SystemTable(provider));
    }
    return tables.get(system);
  };
  for (const c of existing) tableOf(c.system)?.add(c);
  const entries = new LimitedList<ClosureEntry>(limit);
  for (const c of added) {
    const table = tableOf(c.system);
    const node = table?.provider.locate(c.code);
    if (!table || !node) continue;
    const subsumes = (ancestor: Concept, concept: Concept) => table.provider.subsumesByHierarchy === true || table.provider.subsumes(ancestor, concept);
    for (const { at, above, below } of table.related(node, budget)) {
      budget?.tick();
      const other = table.node(at);
      if (!other || other.code === node.code) continue;
      // both, for two concepts of a cycle (which a write refuses, but a code system stored before may have)
      if (above && subsumes(other, node)) entries.push({ source: c, target: table.concepts[at]! });
      if (below && subsumes(node, other)) entries.push({ source: table.concepts[at]!, target: c });
    }
    table.add(c, node);
  }
  return entries.items;
}

/** One code system's concepts in a table, in order; each located in the code system when it is first needed. */
class SystemTable {
  readonly concepts: ClosureConcept[] = [];
  private readonly nodes: (Concept | null | undefined)[] = [];
  private readonly positions = new Map<string, number>();
  /** The positions of the concepts below each code, of the first `indexed` concepts. */
  private readonly below = new Map<string, number[]>();
  private indexed = 0;

  constructor(readonly provider: CodeSystemProvider) {}

  add(concept: ClosureConcept, node?: Concept): void {
    this.positions.set(concept.code, this.concepts.length);
    this.concepts.push(concept);
    this.nodes.push(node);
  }

  /** The concept at a position, undefined when the code system no longer has it. */
  node(at: number): Concept | undefined {
    let node = this.nodes[at];
    if (node === undefined) this.nodes[at] = node = this.provider.locate(this.concepts[at]!.code) ?? null;
    return node ?? undefined;
  }

  /**
   * The positions of the concepts the hierarchy relates to `node`, in the table's order (each pair comes out as
   * asking subsumes about every concept of the table would give it): its ancestors (`above`), and the concepts below
   * it (`below`); in a cycle a concept is both.
   */
  related(node: Concept, budget?: TimeBudget): { at: number; above: boolean; below: boolean }[] {
    const related = new Map<number, { at: number; above: boolean; below: boolean }>();
    for (const up of ancestorsOf(node)) {
      budget?.tick();
      const at = this.positions.get(up.code);
      if (at !== undefined) related.set(at, { at, above: true, below: false });
    }
    if (node.children.length > 0) {
      this.indexBelow(budget);
      for (const at of this.below.get(node.code) ?? []) {
        const known = related.get(at);
        if (known) known.below = true;
        else related.set(at, { at, above: false, below: true });
      }
    }
    return [...related.values()].sort((x, y) => x.at - y.at);
  }

  /** Indexes the concepts not indexed yet under each of their ancestors. */
  private indexBelow(budget?: TimeBudget): void {
    for (; this.indexed < this.concepts.length; this.indexed++) {
      const node = this.node(this.indexed);
      if (!node) continue;
      for (const up of ancestorsOf(node)) {
        budget?.tick();
        const list = this.below.get(up.code);
        if (list) list.push(this.indexed);
        else this.below.set(up.code, [this.indexed]);
      }
    }
  }
}
