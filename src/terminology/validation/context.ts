import type { IssueCode, TxIssueType } from '../../errors/fhir-error';
import type { Bilingual, Issue } from '../../errors/issue';
import type { Severity } from '../../errors/operation-outcome';
import { hasSupplement, type CodeSystemProvider, type Concept } from '../providers/provider';
import { canonical } from '../canonical';
import { DistinctList } from '../distinct-list';
import { IssueCollector } from '../issue-collector';
import type { TerminologyRegistry } from '../registry';
import { CodeSystemAccess } from './code-systems';
import { Designations } from './designations';
import { type Message, msg } from './messages';
import type { ValidationOptions } from './options';

/** `true` valid, `false` not valid, `undefined` cannot tell (the code system is unknown). */
export type Tri = boolean | undefined;

const NO_SUPPLEMENTS: readonly string[] = Object.freeze([]);

/** What one validation request shares: options, code system access, supplements and the value sets in progress. */
export class ValidationContext {
  readonly access: CodeSystemAccess;
  /** Supplements the request or the value set require; each must be used by some code system. */
  readonly requiredSupplements = new Set<string>();
  private usedSupplements?: Set<string>;
  private noted?: Set<string>;
  /** Value sets being prepared, outermost first, to detect circular imports. */
  readonly stack: string[] = [];
  /** Whether an imported value set has a code (its findings not reported), by value set (prepared form) and code. */
  readonly memberships = new Map<object, Map<string, boolean>>();

  constructor(readonly registry: TerminologyRegistry, readonly options: ValidationOptions) {
    this.access = new CodeSystemAccess(registry, options, () =>
      options.supplements.size === 0 && this.requiredSupplements.size === 0 ? NO_SUPPLEMENTS : [...options.supplements, ...this.requiredSupplements]);
  }

  /** The last code located: each include of a system, in the value set and those it imports, asks for it. */
  private located?: { provider: CodeSystemProvider; code: string; concept: Concept | undefined };

  locate(provider: CodeSystemProvider, code: string): Concept | undefined {
    const last = this.located;
    if (last && last.provider === provider && last.code === code) return last.concept;
    const concept = provider.locate(code);
    this.located = { provider, code, concept };
    return concept;
  }

  /** Records the required supplements a code system carries. */
  noteSupplements(provider: CodeSystemProvider): void {
    if (this.requiredSupplements.size === 0) return;
    (this.noted ??= new Set()).add(canonical(provider.url, provider.version));
    for (const s of this.requiredSupplements) if (hasSupplement(provider, s)) (this.usedSupplements ??= new Set()).add(s);
  }

  /** The code systems (url|version) noted while supplements were required: those a missing supplement's message names. */
  notedSystems(): string[] {
    return [...(this.noted ?? [])];
  }

  /**
   * What finding a code system depends on besides the catalogs: the version rules, date and supplements of the request
   * (and of the value sets it meets); '' for most requests.
   */
  resolutionKey(): string {
    const options = this.options;
    if (options.versionRules.length === 0 && options.supplements.size === 0 && this.requiredSupplements.size === 0 && options.date === undefined) return '';
    return JSON.stringify([options.versionRules, [...options.supplements], [...this.requiredSupplements], options.date?.date ?? null]);
  }

  unusedSupplements(): string[] {
    if (this.requiredSupplements.size === 0) return [];
    return [...this.requiredSupplements].filter((s) => !this.usedSupplements?.has(s));
  }
}

/** The inactive code a validation came across (the first one), for the inactive warning and parameters. */
export interface InactiveFinding {
  value: boolean;
  path?: string;
  code?: string;
  status?: string;
  provider?: CodeSystemProvider;
  concept?: Concept;
}

/** Two texts of the summary message are the same when their English is (the Danish is a translation of it). */
const englishOf = (text: string | Bilingual): string => (typeof text === 'string' ? text : text.en);

/**
 * What checking an imported value set sets that a later check may set otherwise, in order, each slot's setting as a
 * function that makes it again: the coding's version, language and content mode, the normal form, the codes found
 * (with the inactive one). A value set reached again along another path of imports is not checked again
 * (ValueSetChecker.checkImport): its check's result is kept with these, and they are made again. What else a check
 * adds (issues, messages, unknown systems, displays) is still there, and adding it again changes nothing. Kept only
 * while an import is being checked.
 */
export class Rewrites {
  private readonly list: { slot: string; redo: () => void }[] = [];
  private depth = 0;

  /** Whether an import's check is being recorded: only then is a setting noted (callers skip making the note). */
  get recording(): boolean {
    return this.depth > 0;
  }

  note(slot: string, redo: () => void): void {
    if (this.depth > 0) this.list.push({ slot, redo });
  }

  begin(): number {
    this.depth++;
    return this.list.length;
  }

  /** The settings since `begin` gave `from`: each slot's last, in the order of those (what making them all leaves). */
  end(from: number): (() => void)[] {
    this.depth--;
    const last = new Map<string, () => void>();
    for (let i = from; i < this.list.length; i++) {
      const { slot, redo } = this.list[i]!;
      last.delete(slot);
      last.set(slot, redo);
    }
    this.list.length = from;
    if (this.depth > 0) for (const [slot, redo] of last) this.list.push({ slot, redo });
    return [...last.values()];
  }
}

/** A check of an imported value set already made for a coding: its result, and what it set (Rewrites). */
export interface SettledCheck {
  coding: CodingState;
  result: Tri;
  rewrites: (() => void)[];
}

/** Accumulators shared by all codings of one request. */
export class ValidationState {
  readonly issues = new IssueCollector();
  readonly rewrites = new Rewrites();
  /** The checks of imported value sets made, by value set (its prepared form) and the check's arguments. */
  readonly settled = new Map<object, Map<string, SettledCheck>>();
  /** The texts of the result's summary message, each once. */
  private readonly messageList = new DistinctList<string | Bilingual>(englishOf);
  readonly unknownSystems = new Set<string>();
  readonly inactive: InactiveFinding = { value: false };
  normalForm?: string;
  /** Codes found in their code system (for catalog-specific advice such as legacy keys). */
  readonly found: { provider: CodeSystemProvider; concept: Concept; path: string; code: string }[] = [];

  /** Records the inactive code found (or, with `value` false, the first code found). */
  noteInactive(value: boolean, path: string, code: string, status: string, provider: CodeSystemProvider, concept: Concept): void {
    const inactive = this.inactive;
    inactive.value = value;
    inactive.path = path;
    inactive.code = code;
    inactive.status = status;
    inactive.provider = provider;
    inactive.concept = concept;
  }

  /** Adds a text to the result's summary message (once). */
  message(m: Message | string | Bilingual | undefined): void {
    const text = m === undefined || typeof m === 'string' || !('text' in m) ? m : m.text;
    if (text && englishOf(text)) this.messageList.add(text);
  }

  get messages(): readonly (string | Bilingual)[] {
    return this.messageList.items;
  }

  /**
   * Reports a code its (complete) code system does not have, and why, when the code system can say (a grammar's
   * parse error, as information); `summary` also puts it in the result's message. `system` is the code system as
   * the coding names it.
   */
  reportUnknownCode(provider: CodeSystemProvider, code: string, expression: string[], summary = false, system = provider.url): void {
    const m = msg.unknownCode(code, system, provider.version);
    if (summary) this.message(m);
    this.report('error', 'code-invalid', m, 'invalid-code', expression);
    const why = provider.explainUnknown?.(code);
    if (why) this.report('information', 'code-invalid', { text: why }, 'invalid-code', expression);
  }

  /** Adds an issue with a message's text and id; returns whether it was new. */
  report(severity: Severity, code: IssueCode, m: Message | Pick<Issue, 'text'>, txIssueType: TxIssueType, expression?: string[]): boolean {
    return this.issues.add({ severity, code, ...m, txIssueType, expression });
  }
}

/** What checking one coding finds out. */
export class CodingState {
  readonly displays = new Designations();
  version?: string;
  contentMode?: string;
  defLang?: string;
  impliedSystem?: string;
}
