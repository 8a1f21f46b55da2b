import { textProblemText, textProblems } from '../fhir/primitive-text';
import { FhirError } from '../errors/fhir-error';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import type { TerminologyRegistry } from '../terminology/registry';
import { checkTimeBudget } from '../terminology/time-budget';
import { checkBaseCardinality } from './base-cardinality';
import { BindingChecker } from './binding-checker';
import { checkLocalCodes, kommunekoderOf, LocalCatalogIndex, municipalityOf, type MunicipalityContext } from './local-code-checker';
import type { ValidationIssue } from './messages';
import { ProfileChecker } from './profile-checker';
import type { ReferenceContext } from './reference-checker';
import type { CompiledProfile, ProfileRegistry } from './profile-registry';
import { schemaProblemText } from '../fhir/schema-problem-text';

type Json = Record<string, unknown>;

export type ValidationMode = 'create' | 'update' | 'delete' | 'profile';

export interface ValidationRequest {
  resource: Json;
  /** The `profile` parameter, already resolved: the resource is validated against it. */
  profile?: CompiledProfile;
  /** `profile`: only the nominated profile is checked (not meta.profile); otherwise both. */
  mode?: ValidationMode;
  /** The `kommunekode` parameter: the sending municipality, when the submission does not name it. */
  kommunekode?: string;
  registry: TerminologyRegistry;
}

/** Nested Bundles deeper than this are not opened. */
const MAX_BUNDLE_DEPTH = 4;

function isObject(x: unknown): x is Json {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** FHIR R4's invariant bdl-7 of Bundle, broken by the entry whose fullUrl is at `at`. */
function duplicateFullUrl(at: string, fullUrl: string, first: string): ValidationIssue {
  return {
    severity: 'error', code: 'invariant', expression: [at], messageId: 'bdl-7',
    text: {
      en: `Constraint failed: bdl-7: 'FullUrl must be unique in a bundle, or else entries with the same fullUrl must have different meta.versionId (except in history bundles)' (defined in http://hl7.org/fhir/StructureDefinition/Bundle): '${fullUrl}' is the fullUrl of ${first} too`,
      da: `Reglen bdl-7 er ikke overholdt: 'En fullUrl skal være entydig i en Bundle, ellers skal indgange med samme fullUrl have forskellig meta.versionId (undtagen i history-Bundles)' (defineret i http://hl7.org/fhir/StructureDefinition/Bundle): '${fullUrl}' er også fullUrl for ${first}`,
    },
  };
}

/**
 * The references of a Bundle's entries, for finding the organizations a resource names. A fullUrl two entries share
 * answers the first of them (the later ones are reported, `duplicateFullUrls`).
 */
class BundleIndex {
  private readonly byFullUrl = new Map<string, Json>();
  private readonly byTypeId = new Map<string, Json>();
  readonly kommunekoder: string[];
  /** The entries whose fullUrl and meta.versionId an earlier entry has too (FHIR's bdl-7), with that entry's index. */
  readonly duplicateFullUrls: { index: number; fullUrl: string; first: number }[] = [];

  constructor(bundle: Json | undefined) {
    const found = new Set<string>();
    const entries = bundle && Array.isArray(bundle.entry) ? bundle.entry : [];
    const firstOf = new Map<string, number>();
    entries.forEach((e, index) => {
      if (!isObject(e) || typeof e.fullUrl !== 'string') return;
      const meta = isObject(e.resource) && isObject(e.resource.meta) ? e.resource.meta : undefined;
      // bdl-7 compares fullUrl & resource.meta.versionId: the same fullUrl is allowed for other versions
      const key = `${e.fullUrl}\u0000${typeof meta?.versionId === 'string' ? meta.versionId : ''}`;
      const first = firstOf.get(key);
      if (first === undefined) firstOf.set(key, index);
      else this.duplicateFullUrls.push({ index, fullUrl: e.fullUrl, first });
    });
    for (const e of entries) {
      if (!isObject(e) || !isObject(e.resource)) continue;
      const r = e.resource;
      if (typeof e.fullUrl === 'string' && !this.byFullUrl.has(e.fullUrl)) this.byFullUrl.set(e.fullUrl, r);
      if (typeof r.resourceType === 'string' && typeof r.id === 'string') this.byTypeId.set(`${r.resourceType}/${r.id}`, r);
      // a RESTful fullUrl (`https://…/Patient/7`) also answers the relative reference `Patient/7`
      const tail = typeof e.fullUrl === 'string' ? /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(e.fullUrl)?.[1] : undefined;
      if (tail && tail.startsWith(`${String(r.resourceType)}/`) && !this.byTypeId.has(tail)) this.byTypeId.set(tail, r);
      if (r.resourceType === 'Organization') for (const k of kommunekoderOf(r)) found.add(k);
    }
    this.kommunekoder = [...found].sort();
  }

  /** The contained resources of each resource by `#id`, built once: a resource may contain and reference thousands. */
  private readonly contained = new WeakMap<Json, Map<string, Json>>();

  private containedOf(from: Json): Map<string, Json> {
    let byRef = this.contained.get(from);
    if (!byRef) {
      byRef = new Map();
      for (const c of Array.isArray(from.contained) ? from.contained : []) {
        if (isObject(c) && !byRef.has(`#${String(c.id)}`)) byRef.set(`#${String(c.id)}`, c);
      }
      this.contained.set(from, byRef);
    }
    return byRef;
  }

  resolve(reference: string, from: Json): unknown {
    if (reference.startsWith('#')) return this.containedOf(from).get(reference);
    const direct = this.byFullUrl.get(reference);
    if (direct) return direct;
    const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
    return m ? this.byTypeId.get(m[1]!) : undefined;
  }
}

/**
 * Validates a submission: one resource, or a Bundle and every resource in it. Each resource is checked against the
 * FHIR R4 schema, against the profiles it claims in meta.profile (and the `profile` parameter), and its niveau-3
 * codes against the sending municipality's local catalog.
 */
export class SubmissionValidator {
  constructor(private readonly profiles: ProfileRegistry, private readonly schema: FhirSchemaValidator) {}

  validate(req: ValidationRequest): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const run: Run = {
      req, issues,
      bindings: new BindingChecker(req.registry),
      catalogs: new LocalCatalogIndex(req.registry),
    };
    const type = String(req.resource.resourceType);
    this.resource(run, req.resource, type, { top: true, depth: 0, localCodes: true });
    // FHIR's rule for a primitive's text, of which the JSON schema sees only some (an empty string, not a control
    // character or an unpaired surrogate): once for the whole submission, where the schema said nothing
    const said = new Set(issues.filter((i) => i.code === 'structure').map((i) => i.expression[0]));
    for (const { path, problem } of textProblems(req.resource, type)) {
      if (!said.has(path)) issues.push({ severity: 'error', code: 'structure', expression: [path], text: textProblemText(problem) });
    }
    return issues;
  }

  /** Validates one resource; an unexpected failure becomes a fatal issue on that resource instead of failing the request. */
  private resource(run: Run, resource: Json, expression: string, place: Place): void {
    try {
      this.checkResource(run, resource, expression, place);
    } catch (e) {
      if (e instanceof FhirError && e.code === 'too-costly') throw e; // the time budget is spent: the whole request stops
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

  private checkResource(run: Run, resource: Json, expression: string, place: Place): void {
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
    const references: ReferenceContext = {
      inBundle: bundle !== undefined,
      resolve: (reference) => {
        const r = index().resolve(reference, host);
        return isObject(r) ? r : undefined;
      },
      profileType: (url) => this.profiles.find(url)?.type,
    };
    for (const profile of this.profilesFor(run, resource, type, expression, top)) {
      issues.push(...new ProfileChecker(profile, req.registry, run.bindings, references).check(resource, expression));
    }
    // R4's required elements, of which the schema checks only the complex ones and a profile only those it constrains
    issues.push(...checkBaseCardinality(resource, type, expression, issues.slice(first)));

    const isBundle = type === 'Bundle';
    if (place.localCodes) {
      const ctx: MunicipalityContext = {
        resolve: (reference) => index().resolve(reference, resource),
        bundleKommunekoder: bundle?.kommunekoder ?? [],
        parameter: req.kommunekode,
      };
      let municipality: ReturnType<typeof municipalityOf> | undefined;
      issues.push(...checkLocalCodes(resource, expression, req.registry, run.catalogs, () => (municipality ??= municipalityOf(resource, ctx)), isBundle ? new Set(['entry']) : undefined));
    }

    // each contained resource as a resource of its own, in the container's Bundle; its niveau-3 codes were checked
    // with the container's above, for the container's sending municipality
    const contained = Array.isArray(resource.contained) ? resource.contained : [];
    contained.forEach((c, i) => {
      checkTimeBudget();
      if (isObject(c)) this.resource(run, c, `${expression}.contained[${i}]`, { bundle, top: false, depth, container: resource, localCodes: false });
    });

    if (isBundle) {
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
      if (resource.type !== 'history') issues.push(...index.duplicateFullUrls.map(({ index: i, fullUrl, first }) => duplicateFullUrl(`${expression}.entry[${i}].fullUrl`, fullUrl, `${expression}.entry[${first}]`)));
      const entries = Array.isArray(resource.entry) ? resource.entry : [];
      entries.forEach((entry, i) => {
        checkTimeBudget();
        if (!isObject(entry) || !isObject(entry.resource)) return;
        this.resource(run, entry.resource, `${expression}.entry[${i}].resource`, { bundle: index, top: false, depth: depth + 1, localCodes: place.localCodes });
      });
    }
  }

  /** The profiles a resource is checked against: the `profile` parameter and the profiles in meta.profile. */
  private profilesFor(run: Run, resource: Json, type: string, expression: string, top: boolean): CompiledProfile[] {
    const { req, issues } = run;
    const out: CompiledProfile[] = [];
    if (top && req.profile) out.push(req.profile);
    if (top && req.mode === 'profile' && req.profile) return out;
    const meta = isObject(resource.meta) ? resource.meta : undefined;
    const claimed = meta && Array.isArray(meta.profile) ? meta.profile : [];
    claimed.forEach((canonical, i) => {
      if (typeof canonical !== 'string') return;
      const at = `${expression}.meta.profile[${i}]`;
      const profile = this.profiles.find(canonical);
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
}
