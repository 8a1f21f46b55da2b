import type { Coding } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import type { Bilingual, Issue } from '../errors/issue';
import { conceptKey, type ClosureConcept, type ClosureEntry } from '../store/closure-store';
import type { CodeSystemProvider, Concept } from './providers/provider';
import type { TerminologyRegistry } from './registry';
import type { TimeBudget } from './time-budget';

interface Located {
  concept: ClosureConcept;
  node: Concept;
  provider: CodeSystemProvider;
}

/**
 * The codings as concepts of the code systems the server knows (their current version), without repeats. Any coding
 * that is not one (no system or code, an unknown system or version, an unknown code) makes the whole call an error
 * that names each of them: a closure table only takes concepts the server can reason about.
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
    const provider = registry.codeSystemProvider(coding.system, coding.version);
    if (!provider) {
      const what = coding.version ? `version '${coding.version}' of the CodeSystem '${coding.system}'` : `the CodeSystem '${coding.system}'`;
      const da = `Kodesystemet '${coding.system}'${coding.version ? ` version '${coding.version}'` : ''} kendes ikke`;
      fail('not-found', { en: `A definition for ${what} could not be found`, da }, coding.version ? 'version-error' : 'not-found');
      return;
    }
    const node = provider.locate(coding.code);
    if (!node) {
      fail('code-invalid', { en: `Unknown code '${coding.code}' in the CodeSystem '${coding.system}'`, da: `Ukendt kode '${coding.code}' i kodesystemet '${coding.system}'` }, 'invalid-code');
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
 */
export function closureEntries(
  registry: TerminologyRegistry, existing: readonly ClosureConcept[], added: readonly ClosureConcept[], budget?: TimeBudget,
): ClosureEntry[] {
  const providers = new Map<string, CodeSystemProvider | undefined>();
  const locate = (c: ClosureConcept): Located | undefined => {
    if (!providers.has(c.system)) providers.set(c.system, registry.codeSystemProvider(c.system));
    const provider = providers.get(c.system);
    const node = provider?.locate(c.code);
    return provider && node ? { concept: c, node, provider } : undefined;
  };
  const bySystem = new Map<string, Located[]>();
  for (const c of existing) {
    const l = locate(c);
    if (l) bySystem.set(c.system, [...(bySystem.get(c.system) ?? []), l]);
  }
  const entries: ClosureEntry[] = [];
  for (const c of added) {
    const l = locate(c);
    if (!l) continue;
    const others = bySystem.get(c.system) ?? [];
    for (const o of others) {
      budget?.tick();
      if (o.node.code === l.node.code) continue;
      if (l.provider.subsumes(o.node, l.node)) entries.push({ source: l.concept, target: o.concept });
      else if (l.provider.subsumes(l.node, o.node)) entries.push({ source: o.concept, target: l.concept });
    }
    others.push(l);
    bySystem.set(c.system, others);
  }
  return entries;
}
