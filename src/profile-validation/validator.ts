import { appendIssues } from '../errors/issue';
import { narrativeProblems } from '../fhir/narrative';
import { textProblemText, textProblems } from '../fhir/primitive-text';
import { FhirError } from '../errors/fhir-error';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import type { TerminologyRegistry } from '../terminology/registry';
import { checkTimeBudget } from '../terminology/time-budget';
import { checkBaseElements } from '../fhir/base-elements';
import { checkR4Invariants } from './r4-invariants';
import { BindingChecker } from './binding-checker';
import { BundleIndex, bundleIssues } from './bundle-rules';
import { checkExtensions, knownExtension, type KnownExtension } from './extension-checker';
import { checkLocalCodes, LocalCatalogIndex, municipalityOf, type MunicipalityContext } from './local-code-checker';
import type { ValidationIssue } from './messages';
import { ProfileChecker } from './profile-checker';
import type { ReferenceContext } from './reference-checker';
import type { CompiledProfile, ProfileRegistry } from './profile-registry';
import { schemaProblemText } from '../fhir/schema-problem-text';
import { isJsonObject } from '../fhir/json-object';
import { parseCanonical } from '../terminology/canonical';
import { Turns } from '../terminology/turns';
import { claimedProfiles, isReportProfile, reportBundleIssues, reportEntryType, reportProfileOf, type ReportProfile } from './report-profiles';

type Json = Record<string, unknown>;

export type ValidationMode = 'create' | 'update' | 'delete' | 'profile';

export interface ValidationRequest {
  resource: Json;
  /** The `profile` parameter, already resolved: the resource is validated against it. */
  profile?: CompiledProfile;
  /** The `profile` parameter naming a KL delivery report: the submission (a Bundle) is validated as one. */
  report?: ReportProfile;
  /** `profile`: only the nominated profile (`profile` or `report`, one of which is then given) is checked, not meta.profile; otherwise both. */
  mode?: ValidationMode;
  /** The `kommunekode` parameter: the sending municipality, when the submission does not name it. */
  kommunekode?: string;
  registry: TerminologyRegistry;
}

/** Nested Bundles deeper than this are not opened. */
const MAX_BUNDLE_DEPTH = 4;

/**
 * Validates a submission: one resource, or a Bundle and every resource in it. Each resource is checked against the
 * FHIR R4 schema, against the profiles it claims in meta.profile (and the `profile` parameter), and its niveau-3
 * codes against the sending municipality's local catalog.
 */
export class SubmissionValidator {
  constructor(private readonly profiles: ProfileRegistry, private readonly schema: FhirSchemaValidator) {}

  private readonly knownExtension = (url: string): KnownExtension | undefined => knownExtension(url, this.profiles.extensionUrls());

  async validate(req: ValidationRequest): Promise<ValidationIssue[]> {
    const issues: ValidationIssue[] = [];
    const run: Run = {
      req, issues,
      bindings: new BindingChecker(req.registry),
      catalogs: new LocalCatalogIndex(req.registry),
      turns: new Turns(),
    };
    const type = String(req.resource.resourceType);
    await this.resource(run, req.resource, type, { top: true, depth: 0, localCodes: true });
    // FHIR's rule for a primitive's text, of which the JSON schema sees only some (an empty string, not a control
    // character or an unpaired surrogate), and for a list (never empty): once for the whole submission, where the
    // schema said nothing
    const said = new Set(issues.filter((i) => i.code === 'structure').map((i) => i.expression[0]));
    for (const { path, problem } of textProblems(req.resource, type, true)) {
      if (!said.has(path)) issues.push({ severity: 'error', code: 'structure', expression: [path], text: textProblemText(problem) });
      said.add(path);
    }
    // FHIR's rules for a narrative (txt-1, txt-2), for each narrative of the submission
    for (const { path, text } of narrativeProblems(req.resource, type)) {
      if (!said.has(path)) issues.push({ severity: 'error', code: 'invalid', expression: [path], text });
    }
    return issues;
  }

  /** Validates one resource; an unexpected failure becomes a fatal issue on that resource instead of failing the request. */
  private async resource(run: Run, resource: Json, expression: string, place: Place): Promise<void> {
    try {
      await this.checkResource(run, resource, expression, place);
    } catch (e) {
      // the time budget is spent, or the request's time (503 timeout): the whole request stops
      if (e instanceof FhirError && (e.code === 'too-costly' || e.code === 'timeout')) throw e;
      run.issues.push({
        severity: 'fatal', code: 'exception', expression: [expression],
        // the error's own message is English: in the English text and in diagnostics, not in the Danish text
        text: {
          en: `Internal error while validating this resource; it was not completely checked (${(e as Error).message})`,
          da: 'Intern fejl under valideringen af ressourcen; den er ikke kontrolleret fuldt ud',
        },
        diagnostics: (e as Error).message,
      });
    }
  }

  private async checkResource(run: Run, resource: Json, expression: string, place: Place): Promise<void> {
    const { issues, req } = run;
    const { bundle, top, depth } = place;
    const type = resource.resourceType;
    const first = issues.length;
    for (const p of this.schema.validate(resource)) {
      const path = p.path === '$' ? expression : `${expression}${p.path.slice(1)}`;
      issues.push({ severity: 'error', code: 'structure', expression: [path], text: schemaProblemText(p.message, path) });
    }
    if (typeof type !== 'string' || !this.schema.isResourceType(type)) return;

    // outside a Bundle, an empty index (built on first use) still resolves the resource's contained resources; a
    // contained resource's `#id` names another resource of its container
    let standalone: BundleIndex | undefined;
    const index = (): BundleIndex => bundle ?? (standalone ??= new BundleIndex(undefined));
    const host = place.container ?? resource;
    const references = this.referenceContext(bundle !== undefined, index, host);
    for (const profile of this.profilesFor(run, resource, type, expression, top)) {
      appendIssues(issues, new ProfileChecker(profile, req.registry, run.bindings, references).check(resource, expression));
    }
    // R4's required elements and ext-1, of which the schema checks only the complex ones and a profile only those it constrains
    appendIssues(issues, checkBaseElements(resource, type, expression, issues.slice(first)));
    // every extension's url: absolute, and known here (or a warning that it was not checked)
    appendIssues(issues, checkExtensions(resource, type, expression, this.knownExtension, issues.slice(first)));
    const isBundle = type === 'Bundle';
    // R4's invariants (per-1, ref-1, dom-2, …) of the resource and of every element and data type in it; a Bundle's
    // after its own rules, which say more of an empty entry than ele-1
    const r4Invariants = () => checkR4Invariants(resource, type, expression, place.container, issues.slice(first));
    if (!isBundle) appendIssues(issues, r4Invariants());
    if (place.localCodes) {
      const ctx: MunicipalityContext = {
        resolve: (reference) => index().resolve(reference, resource),
        bundleKommunekoder: bundle?.kommunekoder ?? [],
        parameter: req.kommunekode,
      };
      let municipality: ReturnType<typeof municipalityOf> | undefined;
      appendIssues(issues, checkLocalCodes(resource, expression, req.registry, run.catalogs, () => (municipality ??= municipalityOf(resource, ctx)), isBundle ? new Set(['entry']) : undefined));
    }

    // each contained resource as a resource of its own, in the container's Bundle; its niveau-3 codes were checked
    // with the container's above, for the container's sending municipality
    const contained = Array.isArray(resource.contained) ? resource.contained : [];
    for (const [i, c] of contained.entries()) {
      await run.turns.pause();
      checkTimeBudget();
      if (isJsonObject(c)) await this.resource(run, c, `${expression}.contained[${i}]`, { bundle, top: false, depth, container: resource, localCodes: false });
    }

    if (isBundle) {
      appendIssues(issues, bundleIssues(resource, expression, (t) => this.schema.isResourceType(t)));
      appendIssues(issues, r4Invariants());
      if (depth >= MAX_BUNDLE_DEPTH) {
        issues.push({
          severity: 'warning', code: 'too-costly', expression: [expression],
          text: {
            en: `Bundles nested more than ${MAX_BUNDLE_DEPTH} deep are not validated`,
            da: `Bundles, der er indlejret mere end ${MAX_BUNDLE_DEPTH} niveauer, valideres ikke`,
          },
        });
        return;
      }
      const index = new BundleIndex(resource);
      // in mode=profile the submission is held to the nominated report only, not to the one it claims
      const claimed = place.top && run.req.mode === 'profile' ? undefined : reportProfileOf(resource);
      const report = claimed ?? (place.top ? run.req.report : undefined);
      if (report) appendIssues(issues, reportBundleIssues(resource, expression, report));
      const entries = Array.isArray(resource.entry) ? resource.entry : [];
      // each entry in a turn of its own when one is due: a Bundle of thousands does not hold the process
      for (const [i, entry] of entries.entries()) {
        await run.turns.pause();
        checkTimeBudget();
        if (!isJsonObject(entry) || !isJsonObject(entry.resource)) continue;
        const at = `${expression}.entry[${i}].resource`;
        await this.resource(run, entry.resource, at, { bundle: index, top: false, depth: depth + 1, localCodes: place.localCodes });
        if (report) this.reportEntry(run, report, entry.resource, at, index);
      }
    }
  }

  /** How a resource's references are resolved: in its Bundle (or, on its own, among its container's contained resources). */
  private referenceContext(inBundle: boolean, index: () => BundleIndex, host: Json): ReferenceContext {
    return {
      inBundle,
      resolve: (reference) => {
        const r = index().resolve(reference, host);
        return isJsonObject(r) ? r : undefined;
      },
      profileType: (url) => this.profiles.find(url)?.type ?? reportEntryType(url),
      profileKey: (canonical) => this.profiles.find(canonical)?.url ?? parseCanonical(canonical).url,
    };
  }

  /**
   * An entry of a KL delivery report is of one of the report's profiles (`entry.resource only …` and the report's
   * invariants). One that names a profile of the report in meta.profile was checked against it above; one that
   * names none is checked against each of the report's profiles of its type, as KL's validator does, and conforms
   * when it meets one. Where one of them is not reproduced here, not meeting the others is a warning (it may be that
   * one), not an error; so it is where KL's report does not enforce its profiles for the type (`unenforced`).
   */
  private reportEntry(run: Run, report: ReportProfile, resource: Json, at: string, index: BundleIndex): void {
    const type = typeof resource.resourceType === 'string' ? resource.resourceType : '';
    const claimed = claimedProfiles(resource).map((c) => this.profiles.find(c) ?? parseCanonical(c).url);
    const ofReport = report.entries.filter((e) => {
      const own = this.profiles.find(e.canonical);
      return claimed.some((c) => c === own || c === e.canonical);
    });
    if (ofReport.length > 0) return;
    const candidates = report.entries.filter((e) => e.type === type);
    const named = report.name;
    if (candidates.length === 0) {
      const types = [...new Set(report.entries.map((e) => e.type))].join(', ');
      run.issues.push({
        severity: 'error', code: 'structure', expression: [at],
        text: { en: `A ${named.en} takes no ${type} (its entries are ${types}: KL's ${report.canonical})`, da: `En ${named.da} kan ikke indeholde ${type} (dens poster er ${types}: KL's ${report.canonical})` },
      });
      return;
    }
    const references = this.referenceContext(true, () => index, resource);
    const results = candidates.map((c) => {
      const profile = this.profiles.find(c.canonical);
      const errors = profile ? new ProfileChecker(profile, run.req.registry, run.bindings, references).check(resource, at).filter((i) => i.severity === 'error').length : undefined;
      return { c, profile, errors };
    });
    if (results.some((r) => r.errors === 0)) return;
    const shown = results.map((r) => (r.errors === undefined
      ? { en: `${r.c.canonical} (not reproduced here)`, da: `${r.c.canonical} (ikke gengivet her)` }
      : { en: `${r.c.canonical} (${r.errors} error${r.errors === 1 ? '' : 's'})`, da: `${r.c.canonical} (${r.errors} fejl)` }));
    const list = { en: shown.map((x) => x.en).join(', '), da: shown.map((x) => x.da).join(', ') };
    if (results.every((r) => r.errors === undefined)) {
      run.issues.push({
        severity: 'warning', code: 'business-rule', expression: [at],
        text: {
          en: `The ${type} names no profile of the ${named.en} in meta.profile; KL checks it against ${list.en}, so it was not checked against KL's profile here`,
          da: `${type}-ressourcen angiver ingen af profilerne i ${named.da} i meta.profile; KL kontrollerer den mod ${list.da}, så den er ikke kontrolleret mod KL's profil her`,
        },
      });
      return;
    }
    if (results.some((r) => r.errors === undefined)) {
      run.issues.push({
        severity: 'warning', code: 'business-rule', expression: [at],
        text: {
          en: `The ${type} names none of the profiles of the ${named.en} in meta.profile and meets none of those reproduced here: ${list.en}. Name the one meant in meta.profile`,
          da: `${type}-ressourcen angiver ingen af profilerne i ${named.da} i meta.profile og opfylder ingen af dem, der er gengivet her: ${list.da}. Angiv den tilsigtede i meta.profile`,
        },
      });
      return;
    }
    const unenforced = report.unenforced?.[type];
    if (unenforced) {
      run.issues.push({
        severity: 'warning', code: 'business-rule', expression: [at],
        text: {
          en: `The ${type} conforms to none of the profiles a ${named.en} takes for it: ${list.en}. KL's invariant ${unenforced} as published checks no entry (entry.ofType(${type}) is always empty), so KL's gateway accepts it; name the one meant in meta.profile to see its errors`,
          da: `${type}-ressourcen opfylder ingen af de profiler, en ${named.da} tager for den: ${list.da}. KL's regel ${unenforced} kontrollerer, som den er udgivet, ingen poster (entry.ofType(${type}) er altid tom), så KL's gateway godtager den; angiv den tilsigtede i meta.profile for at se fejlene`,
        },
      });
      return;
    }
    run.issues.push({
      severity: 'error', code: 'structure', expression: [at],
      text: {
        en: `The ${type} conforms to none of the profiles a ${named.en} takes for it: ${list.en}. Name the one meant in meta.profile to see its errors`,
        da: `${type}-ressourcen opfylder ingen af de profiler, en ${named.da} tager for den: ${list.da}. Angiv den tilsigtede i meta.profile for at se fejlene`,
      },
    });
  }

  /** The profiles a resource is checked against: the `profile` parameter and the profiles in meta.profile. */
  private profilesFor(run: Run, resource: Json, type: string, expression: string, top: boolean): CompiledProfile[] {
    const { req, issues } = run;
    const out: CompiledProfile[] = [];
    if (top && req.profile) out.push(req.profile);
    if (top && req.mode === 'profile') return out;
    const meta = isJsonObject(resource.meta) ? resource.meta : undefined;
    const claimed = meta && Array.isArray(meta.profile) ? meta.profile : [];
    claimed.forEach((canonical, i) => {
      if (typeof canonical !== 'string') return;
      const at = `${expression}.meta.profile[${i}]`;
      const profile = this.profiles.find(canonical);
      // a KL delivery report's own rules are checked with its entries (report-profiles.ts)
      if (!profile && type === 'Bundle' && isReportProfile(canonical)) return;
      if (!profile) {
        issues.push({
          severity: 'warning', code: 'not-found', expression: [at],
          text: {
            en: `The profile '${canonical}' is not known to this server, so the resource was not checked against it`,
            da: `Profilen '${canonical}' kendes ikke af serveren, så ressourcen er ikke kontrolleret mod den`,
          },
        });
        return;
      }
      if (profile.type !== type) {
        issues.push({
          severity: 'error', code: 'invalid', expression: [at],
          text: {
            en: `The profile '${canonical}' constrains ${profile.type}, not ${type}`,
            da: `Profilen '${canonical}' gælder for ${profile.type}, ikke ${type}`,
          },
        });
        return;
      }
      if (!out.includes(profile)) out.push(profile);
    });
    return out;
  }
}

/** Where a resource is validated. */
interface Place {
  /** The Bundle whose entries its references may name. */
  bundle?: BundleIndex;
  /** The submission itself: the `profile` parameter and `mode` apply to it only. */
  top: boolean;
  /** How many Bundles enclose it. */
  depth: number;
  /** The resource it is contained in. */
  container?: Json;
  /** Whether its niveau-3 codes are checked with it: not inside a contained resource, whose container's check covers them. */
  localCodes: boolean;
}

interface Run {
  req: ValidationRequest;
  issues: ValidationIssue[];
  bindings: BindingChecker;
  catalogs: LocalCatalogIndex;
  /** The turns the validation of a large submission is cut into. */
  turns: Turns;
}
