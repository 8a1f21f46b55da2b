import { STANDARDS_STATUS_EXT } from '../valueset-extensions';
import type { Extension, ValueSet } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from '../providers/provider';
import { canonical } from '../canonical';
import { addToPath } from './code-systems';
import { conceptInactive, conceptStatus } from './concept-status';
import type { ValidationContext, ValidationState } from './context';
import type { Designations } from './designations';
import { msg } from './messages';
import { compiledFilters, type PreparedInclude } from './prepared-value-set';

const VS_DEPRECATED = 'http://hl7.org/fhir/StructureDefinition/valueset-deprecated';

/** Where an issue about the code is (made only when one is reported). */
function codeExpression(path: string): string[] {
  return [addToPath(path, 'code')];
}

export type Predicate = (c: Concept) => boolean;

/** How a code is located (ValidationContext.locate keeps the last one). */
interface Locator {
  locate(provider: CodeSystemProvider, code: string): Concept | undefined;
}

const DIRECT: Locator = { locate: (provider, code) => provider.locate(code) };

/**
 * The entry of a list of codes (an include's concepts, a given expansion's entries of the code system) that is the
 * code, with the code system's concept: the same code, or, in a code system that is not case sensitive
 * (CodeSystem.caseSensitive), a code differing only in case, as `$expand` takes a listed code (the provider locates
 * it). A case-sensitive system compares the codes only.
 */
export function listedConcept<T extends { code?: string }>(provider: CodeSystemProvider, listed: readonly T[], code: string,
  locator: Locator = DIRECT): { listed: T; concept: Concept } | undefined {
  for (const cc of listed) {
    if (cc.code !== code) continue;
    const concept = locator.locate(provider, code);
    return concept ? { listed: cc, concept } : undefined;
  }
  if (provider.caseSensitive) return undefined;
  const concept = locator.locate(provider, code);
  if (!concept) return undefined;
  const folded = concept.code.toLowerCase();
  for (const cc of listed) {
    if (typeof cc.code === 'string' && cc.code.toLowerCase() === folded && provider.locate(cc.code)?.code === concept.code) {
      return { listed: cc, concept };
    }
  }
  return undefined;
}

function selectsAll(predicates: readonly Predicate[], concept: Concept): boolean {
  for (const p of predicates) if (!p(concept)) return false;
  return true;
}

/**
 * Whether a code is selected by one include (or exclude) of a value set's compose: the whole code system, listed
 * concepts, or filters. A selected code can still be refused: abstract codes when abstract=false, inactive codes
 * with activeOnly or a compose that excludes inactive codes.
 */
export class IncludeMembership {
  constructor(
    private readonly ctx: ValidationContext,
    private readonly valueSet: ValueSet,
  ) {}

  private excludeInactives(): boolean {
    return this.valueSet.compose?.inactive === false;
  }

  /** Records a code the value set has: the first inactive one seen, and each found code (for catalog advice). */
  noteAccepted(path: string, code: string, provider: CodeSystemProvider, concept: Concept, state: ValidationState): void {
    if (!state.inactive.value) {
      state.noteInactive(conceptInactive(provider, concept), path, code, conceptStatus(provider, concept), provider, concept);
    }
    state.found.push({ provider, concept, path, code });
    if (state.rewrites.recording) {
      state.rewrites.note(`found\u0000${path}\u0000${canonical(provider.url, provider.version)}\u0000${code}`,
        () => this.noteAccepted(path, code, provider, concept, state));
    }
  }

  /** Whether the code of `provider` (the include's, or the version the coding names) is selected by one include (or exclude) of the compose. */
  check(path: string, role: 'in' | 'not in', provider: CodeSystemProvider, prepared: PreparedInclude,
    code: string, state: ValidationState, displays: Designations): boolean {
    const inc = prepared.inc;
    const options = this.ctx.options;
    const report = !options.membershipOnly && role === 'in';

    if (!inc.concept?.length && !inc.filter?.length) {
      const concept = this.ctx.locate(provider, code);
      if (!concept) {
        if (report) {
          if (provider.resource.content !== 'complete' && provider.resource.content !== undefined) {
            state.report('warning', 'code-invalid', msg.unknownCodeInFragment(code, provider.url, provider.version, provider.resource.content), 'invalid-code', codeExpression(path));
            return true;
          }
          state.reportUnknownCode(provider, code, codeExpression(path));
        }
        return false;
      }
      this.noteCase(path, code, provider, concept, state);
      displays.addConcept(provider, concept);
      return this.accept(path, code, provider, concept, role, state);
    }

    const found = inc.concept?.length ? listedConcept(provider, inc.concept, code, this.ctx) : undefined;
    if (found) {
      const { listed: cc, concept } = found;
      if (role === 'in') this.noteCase(path, code, provider, concept, state);
      displays.addConcept(provider, concept);
      displays.addIncludeConcept(cc, this.valueSet.language);
      if (!this.accept(path, code, provider, concept, role, state)) return false;
      const ccExt = (cc as { extension?: Extension[] }).extension ?? [];
      const sstatus = ccExt.find((e) => e.url === STANDARDS_STATUS_EXT)?.valueCode;
      const status = sstatus === 'withdrawn' || sstatus === 'deprecated' ? sstatus
        : ccExt.some((e) => e.url === VS_DEPRECATED) ? 'deprecated' : undefined;
      if (status && role === 'in') {
        state.report('warning', 'business-rule', msg.deprecatedInValueSet(provider.url, code, status, this.valueSet), 'code-comment', codeExpression(path));
      }
      return true;
    }

    if (inc.filter?.length) {
      const concept = this.ctx.locate(provider, code);
      if (!concept) return false;
      const predicates = provider === prepared.provider ? prepared.filters! : compiledFilters(provider, inc);
      if (!selectsAll(predicates, concept)) {
        if (report && prepared.canonicalForm !== undefined) this.explainCanonical(provider, concept, prepared.canonicalForm, state);
        return false;
      }
      if (role === 'in') this.noteCase(path, code, provider, concept, state);
      displays.addConcept(provider, concept);
      return this.accept(path, code, provider, concept, role, state);
    }
    return false;
  }

  /**
   * A code found in a code system that is not case sensitive in another case than the code system's: valid, with
   * an information issue naming the code system's code, which is the normalized code.
   */
  noteCase(path: string, code: string, provider: CodeSystemProvider, concept: Concept, state: ValidationState): void {
    if (concept.code === code) return;
    state.report('information', 'business-rule', msg.caseDifference(code, concept.code, canonical(provider.url, provider.version)), 'code-rule', codeExpression(path));
    state.normalForm = concept.code;
    if (state.rewrites.recording) state.rewrites.note('normalForm', () => this.noteCase(path, code, provider, concept, state));
  }

  /** A unit outside a value set of one canonical form (UCUM's `canonical = g`, units of mass) is told which form it has. */
  private explainCanonical(provider: CodeSystemProvider, concept: Concept, required: string, state: ValidationState): void {
    const actual = provider.propertyValues(concept, 'canonical')[0]?.valueString;
    if (actual !== undefined && actual !== required) {
      state.message(msg.canonicalFormMismatch(concept.code, actual, required));
    }
  }

  /** A code the include selects: still refused when abstract (abstract=false) or inactive (activeOnly, inactive=false). */
  private accept(path: string, code: string, provider: CodeSystemProvider, concept: Concept, role: 'in' | 'not in',
    state: ValidationState): boolean {
    const options = this.ctx.options;
    const report = !options.membershipOnly && role === 'in';
    if (!options.abstractOk && provider.isAbstract(concept)) {
      if (report) {
        state.report('error', 'business-rule', msg.abstractCode(provider.url, code), 'code-rule', codeExpression(path));
      }
      return false;
    }
    const inactive = conceptInactive(provider, concept);
    if ((this.excludeInactives() || options.activeOnly) && inactive) {
      if (role === 'in') {
        const text = msg.notActive(code);
        state.report('error', 'business-rule', text, 'code-rule', codeExpression(path));
        state.message(text);
        if (!options.membershipOnly) {
          const note = () => state.noteInactive(true, path, code, conceptStatus(provider, concept), provider, concept);
          note();
          if (state.rewrites.recording) {
            state.rewrites.note(`inactive\u0000${path}\u0000${canonical(provider.url, provider.version)}\u0000${code}`, note);
          }
        }
      }
      return false;
    }
    if (role === 'in') this.noteAccepted(path, code, provider, concept, state);
    return true;
  }
}
