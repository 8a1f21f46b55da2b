import type { CodeableConcept, Coding, Parameters } from 'fhir/r4';
import { listedIssues, omittedIssuesText } from '../../errors/issue-cap';
import { messageString, type Bilingual, type Language } from '../../errors/issue';
import { operationOutcome } from '../../errors/operation-outcome';
import { ParametersBuilder } from '../../fhir/parameters';
import type { CodeSystemProvider, Concept } from '../providers/provider';
import { findLegacyReplacement, replacementsOf } from '../replacements';
import { checkTimeBudget } from '../time-budget';
import { addToPath } from './code-systems';
import { CodingState, type ValidationContext, ValidationState, type Tri } from './context';
import { conceptInactive, conceptStatus } from './concept-status';
import { checkDisplay, checkDisplayOutsideValueSet } from './display-check';
import { type Message, msg, withSuffix } from './messages';
import { canonicalStatusIssue } from './status-check';
import type { ValueSetChecker } from './vs-checker';

/** How the code to validate was given: `code` (+system), `coding` or `codeableConcept`. */
export type ValidationMode = 'code' | 'coding' | 'codeableConcept';

export interface CodedValue {
  mode: ValidationMode;
  codings: Coding[];
  /** The CodeableConcept as given, echoed in the result. */
  codeableConcept?: CodeableConcept;
}

export function issuePathOf(mode: ValidationMode): string {
  return mode === 'code' ? '' : mode === 'coding' ? 'Coding' : 'CodeableConcept';
}

function isAbsoluteUrl(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s);
}

function replacementSuffix(provider: CodeSystemProvider, concept: Concept): Bilingual | undefined {
  const replacements = replacementsOf(provider, concept);
  if (replacements.length === 0) return undefined;
  return msg.replacedBy(replacements.map((r) => `'${r.code}'${r.display ? ` (${r.display})` : ''}`).join(', '));
}

/**
 * Validates the codings of a coded value against a value set (or the all-codes value set of a code system) and
 * assembles the $validate-code result: result, code/system/version/display of the matching coding, issues and the
 * summary message.
 */
export function validateCodedValue(ctx: ValidationContext, checker: ValueSetChecker, value: CodedValue): Parameters {
  const { mode } = value;
  const issuePath = issuePathOf(mode);
  const options = ctx.options;
  const langs = options.workingLanguages();
  const state = new ValidationState();
  const issues = state.issues;
  const vsStatus = canonicalStatusIssue(checker.valueSet, checker.valueSet);
  if (vsStatus) issues.add(vsStatus);

  let ok = false as Tri;
  let noCode = false;
  const codelist: string[] = [];
  let psys: string | undefined;
  let pcode: string | undefined;
  let pver: string | undefined;
  let pdisp: string | undefined;
  /** The normal form (the code system's case) of the coding reported as valid, when it was given in another case. */
  let pnormal: string | undefined;
  let ppath: string | undefined;
  let tsys: string | undefined;
  let tcode: string | undefined;
  let tver: string | undefined;
  let lookupVersion: string | undefined;
  let impliedSystem: string | undefined;
  let reportedUnknownCodes: Set<string> | undefined;

  for (let i = 0; i < value.codings.length; i++) {
    const c = value.codings[i]!;
    if (noCode) break;
    checkTimeBudget(); // a CodeableConcept may carry as many codings as the body has room for
    const path = mode === 'codeableConcept' ? `${issuePath}.coding[${i}]` : issuePath;
    if (!c.code) {
      const m = msg.noCode(c.system);
      state.message(m);
      issues.add({ severity: 'warning', code: 'invalid', txIssueType: 'invalid-data', text: m.text, expression: path ? [path] : undefined });
      noCode = true;
      continue;
    }
    const vsImpliedVersion = checker.prepared.highestIncludeVersion(c.system);
    const coding = new CodingState();
    const normalBefore = state.normalForm;
    state.normalForm = undefined;
    const v = checker.check(path, c.system, c.version, c.code, state, coding, c.display);
    const normalOfCoding = state.normalForm;
    state.normalForm ??= normalBefore;
    if (coding.impliedSystem) impliedSystem = coding.impliedSystem;
    const ws = coding.impliedSystem ?? c.system ?? '';
    if (!tcode || v === true) {
      tsys = c.system;
      tcode = c.code;
      tver = c.version;
    }
    if (!tver && coding.version) tver = coding.version;
    // the codes as the messages name them (only asked for when no coding is valid)
    if (v !== true) {
      const cc = `'${c.version ? `${ws}|${c.version}` : ws}#${c.code}${c.display ? ` ('${c.display}')` : ''}'`;
      codelist.push(cc);
      if (v === false && !checker.internallyDefined && mode === 'codeableConcept') {
        state.report('information', 'code-invalid', msg.notInValueSet(cc, checker.valueSet), 'this-code-not-in-vs', [`${issuePath}.coding[${i}].code`]);
      }
    }
    if (ok !== true && v !== false) ok = v;

    if (v === true) {
      if (coding.contentMode === 'example') {
        const m = msg.incompleteSystem(c.system ?? '', c.code, c.display, coding.contentMode);
        state.message(m);
        state.report('warning', 'not-found', m, 'vs-invalid', path ? [path] : undefined);
      } else if (c.display && !coding.displays.isEmpty) {
        checkDisplay(coding.displays, coding.defLang, c, path, options, state);
      }
      if (pcode === undefined) {
        psys = c.system ?? coding.impliedSystem;
        pcode = c.code;
        pnormal = normalOfCoding;
        ppath = path;
        pver = coding.version;
        pdisp = coding.displays.preferredDisplay(langs) || coding.displays.preferredDisplay(undefined);
      }
      continue;
    }
    if (options.membershipOnly || !ws) continue;
    if (!isAbsoluteUrl(ws)) {
      const m = msg.systemRelative();
      state.message(m);
      const where = mode === 'coding' ? `${issuePath}.system` : mode === 'codeableConcept' ? `${issuePath}.coding[${i}].system` : issuePath;
      state.report('error', 'invalid', m, 'invalid-data', where ? [where] : undefined);
    }
    const wanted = c.version || vsImpliedVersion;
    const provider = ctx.access.find(ws, wanted);
    if (!provider) {
      reportMissingSystem(ctx, state, ws, wanted, c.system, path);
      continue;
    }
    const providerStatus = canonicalStatusIssue(provider.resource, checker.valueSet);
    if (providerStatus) issues.add(providerStatus);
    if (provider.version && mode !== 'codeableConcept') lookupVersion = provider.version;
    const concept = provider.locate(c.code);
    if (!concept) {
      const key = `${ws}|${provider.version ?? ''}#${c.code}`;
      if (reportedUnknownCodes?.has(key)) continue;
      (reportedUnknownCodes ??= new Set()).add(key);
      if (provider.resource.content === 'complete' || provider.resource.content === undefined) {
        state.reportUnknownCode(provider, c.code, [addToPath(path, 'code')], true, ws);
      } else {
        state.report('warning', 'code-invalid', msg.unknownCodeInFragment(c.code, ws, provider.version, provider.resource.content), 'invalid-code', [addToPath(path, 'code')]);
      }
      continue;
    }
    coding.displays.addConcept(provider, concept);
    if (!state.inactive.value && conceptInactive(provider, concept)) {
      state.noteInactive(true, path, c.code, conceptStatus(provider, concept), provider, concept);
    }
    pdisp = coding.displays.preferredDisplay(langs) || pdisp || coding.displays.preferredDisplay(undefined);
    if (c.display && !coding.displays.isEmpty) {
      checkDisplayOutsideValueSet(coding.displays, provider.resource.language, c, provider.url, path, options, state);
    }
  }

  const noCodeSummary = noCode && (mode !== 'codeableConcept' || checker.internallyDefined);
  if (ok === false && !noCodeSummary && (!checker.internallyDefined || !issues.hasErrors)) {
    let text: Message;
    let where: string | undefined;
    if (mode === 'codeableConcept') {
      text = msg.noValidCoding(checker.valueSet);
    } else {
      text = msg.notInValueSet(codelist.join(', '), checker.valueSet);
      where = !issuePath ? 'code' : `${issuePath}.code`;
    }
    if (state.report('error', 'code-invalid', text, 'not-in-vs', where ? [where] : undefined)) {
      state.message(text);
    }
  }

  addCatalogAdvice(ctx, state);

  const valid = ok === true && !issues.hasErrors;
  const out = new ParametersBuilder();
  const code = pcode ?? (mode !== 'codeableConcept' ? tcode : undefined);
  out.code('code', code);
  if (pdisp && code) out.string('display', pdisp);
  out.uri('system', psys ?? (ok === true && impliedSystem ? impliedSystem : mode !== 'codeableConcept' ? tsys : undefined));
  out.string('version', pver ?? lookupVersion ?? (mode !== 'codeableConcept' ? tver : undefined));
  addInactivity(state, mode, pcode, ppath, tcode, issuePath, out);
  // the normal form of the coding the answer reports; with none valid, the last one found (as before)
  const normalForm = pcode !== undefined ? pnormal : state.normalForm;
  if (normalForm) out.code('normalized-code', normalForm);
  for (const us of state.unknownSystems) {
    if (ok === false) out.add({ name: 'x-unknown-system', valueCanonical: us });
    else if (!valid) out.add({ name: 'x-caused-by-unknown-system', valueCanonical: us });
  }
  for (const text of issues.errorTexts()) state.message(text);
  out.boolean('result', valid);
  if (state.messages.length > 0) out.add({ name: 'message', ...messageString(summaryMessage(state.messages, options.messageLanguage), options.messageLanguage) });
  if (mode === 'codeableConcept') out.codeableConcept('codeableConcept', value.codeableConcept);
  if (issues.hasIssues) out.resource('issues', operationOutcome(issues.outcomeIssues(options.messageLanguage)));
  return out.build();
}

/**
 * The result's message: its texts, each language in its own order, joined. Only an answer in Danish needs both (the
 * English is its translation); English alone otherwise, and when no text has Danish.
 */
function summaryMessage(texts: readonly (string | Bilingual)[], lang: Language): string | Bilingual {
  const joined = (l: Language): string => listedIssues(texts.map((t) => (typeof t === 'string' ? t : t[l])).sort(),
    (omitted) => omittedIssuesText(omitted)[l]).join('; ');
  return lang !== 'da' || texts.every((t) => typeof t === 'string') ? joined('en') : { en: joined('en'), da: joined('da') };
}

/** The inactive/status parameters and the warning about an inactive or deprecated code. */
function addInactivity(state: ValidationState, mode: ValidationMode, pcode: string | undefined, ppath: string | undefined,
  tcode: string | undefined, issuePath: string, out: ParametersBuilder): void {
  const inactive = state.inactive;
  const suffix = (): Bilingual | undefined => (inactive.provider && inactive.concept ? replacementSuffix(inactive.provider, inactive.concept) : undefined);
  if (inactive.value) {
    if (mode !== 'codeableConcept' || (pcode && inactive.path === ppath)) {
      out.boolean('inactive', true);
      if (inactive.status && inactive.status !== 'inactive') out.code('status', inactive.status);
    }
    const status = inactive.status ?? 'inactive';
    const code = inactive.code ?? tcode ?? '';
    const base = status === 'inactive' ? msg.inactiveConcept(status, code) : msg.inactiveConceptAdd(status, code);
    const m = withSuffix(base, suffix());
    state.message(m);
    state.report('warning', 'business-rule', m, 'code-comment', [inactive.path || 'code']);
  } else if (inactive.status === 'deprecated') {
    out.code('status', 'deprecated');
    const base = msg.deprecatedConcept(inactive.code ?? tcode ?? '');
    const m = withSuffix(base, suffix());
    state.message(m);
    state.report('warning', 'business-rule', m, 'code-comment', [inactive.path || issuePath || 'code']);
  }
}

/** Catalog advice: a legacy key of a code system gets a warning naming the code to use instead. */
function addCatalogAdvice(ctx: ValidationContext, state: ValidationState): void {
  for (const f of state.found) {
    const legacy = findLegacyReplacement(ctx.registry, f.provider.url, f.concept.code);
    if (!legacy) continue;
    const m = msg.legacyKey(f.code, f.provider.url, legacy.code, legacy.display);
    if (state.report('warning', 'business-rule', m, 'code-rule', [addToPath(f.path, 'code')])) {
      state.message(m);
    }
  }
}

/** The coding's system is not a code system this server knows (or not in that version). */
function reportMissingSystem(ctx: ValidationContext, state: ValidationState, ws: string, version: string | undefined,
  system: string | undefined, path: string): void {
  const where = [addToPath(path, 'system')];
  if (ctx.registry.find('ValueSet', ws)) {
    const m = msg.systemIsValueSet(ws);
    state.message(m);
    state.report('error', 'invalid', m, 'invalid-data', where);
    return;
  }
  const supplement = ctx.access.findSupplement(ws, version);
  if (supplement) {
    const m = msg.supplementAsSystem(supplement.version ? `${supplement.url}|${supplement.version}` : ws);
    state.message(m);
    state.report('error', 'invalid', m, 'invalid-data', where);
    return;
  }
  let text: Message;
  let key: string;
  const effective = ctx.access.versionFor(ws, version);
  if (!effective) {
    text = msg.unknownCodeSystem(ws);
    key = ws;
  } else {
    const known = ctx.access.listVersions(system ?? ws);
    text = known.length === 0 ? msg.unknownCodeSystemVersionNone(ws, effective) : msg.unknownCodeSystemVersion(ws, effective, known);
    key = known.length === 0 ? ws : `${ws}|${effective}`;
  }
  if (!state.unknownSystems.has(key)) {
    state.unknownSystems.add(key);
    state.report('error', 'not-found', text, 'not-found', where);
  }
  state.message(text);
}
