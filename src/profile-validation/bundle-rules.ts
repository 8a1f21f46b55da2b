import { fullUrlDisagreement, RESTFUL_FULL_URL } from '../fhir/bundle-full-url';
import { kommunekoderOf } from './local-code-checker';
import type { ValidationIssue } from './messages';
import { isJsonObject } from '../fhir/json-object';

type Json = Record<string, unknown>;

const BUNDLE = 'http://hl7.org/fhir/StructureDefinition/Bundle';

/** FHIR R4's invariants of Bundle and Bundle.entry this server checks, with their human text in both languages. */
const INVARIANTS = {
  'bdl-1': { en: 'total only when a search or history', da: 'total kun i en søgning eller historik' },
  'bdl-2': { en: 'entry.search only when a search', da: 'entry.search kun i en søgning' },
  'bdl-3': { en: 'entry.request mandatory for batch/transaction/history, otherwise prohibited', da: 'entry.request er påkrævet i batch/transaction/history, ellers forbudt' },
  'bdl-4': { en: 'entry.response mandatory for batch-response/transaction-response/history, otherwise prohibited', da: 'entry.response er påkrævet i batch-response/transaction-response/history, ellers forbudt' },
  'bdl-5': { en: 'must be a resource unless there\'s a request or response', da: 'skal være en ressource, medmindre der er en request eller response' },
  'bdl-7': { en: 'FullUrl must be unique in a bundle, or else entries with the same fullUrl must have different meta.versionId (except in history bundles)', da: 'En fullUrl skal være entydig i en Bundle, ellers skal indgange med samme fullUrl have forskellig meta.versionId (undtagen i history-Bundles)' },
  'bdl-8': { en: 'fullUrl cannot be a version specific reference', da: 'fullUrl må ikke være en versionsspecifik reference' },
  'bdl-9': { en: 'A document must have an identifier with a system and a value', da: 'Et dokument skal have en identifier med system og value' },
  'bdl-10': { en: 'A document must have a date', da: 'Et dokument skal have et tidspunkt (timestamp)' },
  'bdl-11': { en: 'A document must have a Composition as the first resource', da: 'Et dokument skal have en Composition som første ressource' },
  'bdl-12': { en: 'A message must have a MessageHeader as the first resource', da: 'En meddelelse skal have en MessageHeader som første ressource' },
} as const;

type BundleInvariant = keyof typeof INVARIANTS;

/** The issue of a broken Bundle invariant at `at`, with what breaks it (`detail`) in both languages. */
function invariant(key: BundleInvariant, at: string, detail: { en: string; da: string }): ValidationIssue {
  const human = INVARIANTS[key];
  return {
    severity: 'error', code: 'invariant', expression: [at], messageId: key,
    text: {
      en: `Constraint failed: ${key}: '${human.en}' (defined in ${BUNDLE}): ${detail.en}`,
      da: `Reglen ${key} er ikke overholdt: '${human.da}' (defineret i ${BUNDLE}): ${detail.da}`,
    },
  };
}

/** A reference or url with a scheme (`https:`, `urn:`): absolute. */
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** A relative reference `Type/id`. */
const RELATIVE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

function versionIdOf(resource: unknown): string | undefined {
  const meta = isJsonObject(resource) && isJsonObject(resource.meta) ? resource.meta : undefined;
  return typeof meta?.versionId === 'string' ? meta.versionId : undefined;
}

/**
 * The entries of a Bundle, for resolving its resources' references as FHIR R4 says (bundle.html, "Resolving
 * references in Bundles"): an absolute reference (`https://…/Patient/7`, `urn:uuid:…`) is the entry whose fullUrl is
 * exactly that url; a relative reference `Patient/7` is relative to the base of the referring entry's fullUrl when
 * that is a RESTful url (`https://x/fhir/Condition/3` → `https://x/fhir/Patient/7`). Where the referring entry's
 * fullUrl is not RESTful (`urn:uuid:…`, none) the specification gives `Patient/7` no meaning in the Bundle; as HL7's
 * validator does, it is then the entry whose resource is a Patient with id 7. A version-specific reference
 * (`…/_history/2`) is matched without its version, then on meta.versionId. A fullUrl two entries share answers the
 * first of them (the later ones are reported, bdl-7).
 */
export class BundleIndex {
  private readonly byFullUrl = new Map<string, Json[]>();
  private readonly byTypeId = new Map<string, Json>();
  /** The fullUrl of the entry each resource is. */
  private readonly fullUrlOf = new WeakMap<Json, string>();
  readonly kommunekoder: string[];

  constructor(bundle: Json | undefined) {
    const found = new Set<string>();
    const entries = bundle && Array.isArray(bundle.entry) ? bundle.entry : [];
    for (const e of entries) {
      if (!isJsonObject(e) || !isJsonObject(e.resource)) continue;
      const r = e.resource;
      if (typeof e.fullUrl === 'string') {
        const list = this.byFullUrl.get(e.fullUrl);
        if (list) list.push(r);
        else this.byFullUrl.set(e.fullUrl, [r]);
        this.fullUrlOf.set(r, e.fullUrl);
      }
      const typeId = `${String(r.resourceType)}/${String(r.id)}`;
      if (typeof r.resourceType === 'string' && typeof r.id === 'string' && !this.byTypeId.has(typeId)) this.byTypeId.set(typeId, r);
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
        if (isJsonObject(c) && !byRef.has(`#${String(c.id)}`)) byRef.set(`#${String(c.id)}`, c);
      }
      this.contained.set(from, byRef);
    }
    return byRef;
  }

  /** The resource `reference` names, from the entry resource `from` (the container, for a contained resource). */
  resolve(reference: string, from: Json): Json | undefined {
    if (reference.startsWith('#')) return this.containedOf(from).get(reference);
    const versioned = /^(.*)\/_history\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
    const url = versioned ? versioned[1]! : reference;
    const version = versioned?.[2];
    let candidates: Json[] | undefined;
    if (ABSOLUTE.test(url)) {
      candidates = this.byFullUrl.get(url);
    } else if (RELATIVE.test(url)) {
      const fullUrl = this.fullUrlOf.get(from);
      const own = `${String(from.resourceType)}/${String(from.id)}`;
      const restful = fullUrl !== undefined ? RESTFUL_FULL_URL.exec(fullUrl) : null;
      if (restful && `${restful[2]}/${restful[3]}` === own) {
        candidates = this.byFullUrl.get(`${restful[1]}${url}`);
      } else {
        const r = this.byTypeId.get(url);
        candidates = r ? [r] : undefined;
      }
    }
    if (!candidates) return undefined;
    return version === undefined ? candidates[0] : candidates.find((r) => versionIdOf(r) === version);
  }
}

const REQUEST_TYPES = new Set(['batch', 'transaction', 'history']);
const RESPONSE_TYPES = new Set(['batch-response', 'transaction-response', 'history']);

/**
 * FHIR R4's rules of a Bundle itself, each at the element that breaks it: the invariants bdl-1 to bdl-5 and bdl-7 to
 * bdl-12, and that a RESTful fullUrl does not disagree with the id of its entry's resource (Bundle.entry.fullUrl).
 * `isResourceType` tells a RESTful fullUrl (`…/Patient/7`) from another url ending in two segments.
 */
export function bundleIssues(bundle: Json, expression: string, isResourceType: (type: string) => boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const type = typeof bundle.type === 'string' ? bundle.type : undefined;
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const typeText = { en: `the Bundle's type is '${String(type)}'`, da: `Bundlens type er '${String(type)}'` };

  if (bundle.total !== undefined && type !== 'searchset' && type !== 'history') {
    issues.push(invariant('bdl-1', `${expression}.total`, typeText));
  }
  if (type === 'document') {
    const identifier = isJsonObject(bundle.identifier) ? bundle.identifier : undefined;
    if (!identifier || identifier.system === undefined || identifier.value === undefined) {
      issues.push(invariant('bdl-9', identifier ? `${expression}.identifier` : expression, {
        en: identifier ? 'the identifier lacks a system or a value' : 'it has no identifier',
        da: identifier ? 'identifier mangler system eller value' : 'den har ingen identifier',
      }));
    }
    if (typeof bundle.timestamp !== 'string' || bundle.timestamp === '') {
      issues.push(invariant('bdl-10', expression, { en: 'it has no timestamp', da: 'den har intet timestamp' }));
    }
  }
  const firstType = (wanted: string, key: BundleInvariant) => {
    const first = entries[0];
    const resource = isJsonObject(first) && isJsonObject(first.resource) ? first.resource : undefined;
    if (resource?.resourceType === wanted) return;
    issues.push(invariant(key, resource ? `${expression}.entry[0].resource` : expression, resource
      ? { en: `the first resource is a ${String(resource.resourceType)}`, da: `den første ressource er en ${String(resource.resourceType)}` }
      : { en: 'it has no first resource', da: 'den har ingen første ressource' }));
  };
  if (type === 'document') firstType('Composition', 'bdl-11');
  if (type === 'message') firstType('MessageHeader', 'bdl-12');

  const firstOf = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!isJsonObject(e)) return;
    const at = `${expression}.entry[${i}]`;
    if (e.search !== undefined && type !== 'searchset') issues.push(invariant('bdl-2', `${at}.search`, typeText));
    if (e.request === undefined && REQUEST_TYPES.has(String(type))) {
      issues.push(invariant('bdl-3', at, { en: `the entry has no request in a ${String(type)}`, da: `indgangen har ingen request i en ${String(type)}` }));
    } else if (e.request !== undefined && !REQUEST_TYPES.has(String(type))) {
      issues.push(invariant('bdl-3', `${at}.request`, typeText));
    }
    if (e.response === undefined && RESPONSE_TYPES.has(String(type))) {
      issues.push(invariant('bdl-4', at, { en: `the entry has no response in a ${String(type)}`, da: `indgangen har ingen response i en ${String(type)}` }));
    } else if (e.response !== undefined && !RESPONSE_TYPES.has(String(type))) {
      issues.push(invariant('bdl-4', `${at}.response`, typeText));
    }
    if (e.resource === undefined && e.request === undefined && e.response === undefined) {
      issues.push(invariant('bdl-5', at, { en: 'the entry has neither a resource nor a request or response', da: 'indgangen har hverken resource, request eller response' }));
    }
    if (typeof e.fullUrl !== 'string') return;
    const fullUrl = e.fullUrl;
    if (fullUrl.includes('/_history/')) {
      issues.push(invariant('bdl-8', `${at}.fullUrl`, { en: `'${fullUrl}' names a version`, da: `'${fullUrl}' angiver en version` }));
    }
    // bdl-7 compares fullUrl & resource.meta.versionId: the same fullUrl is allowed for other versions
    const key = `${fullUrl}\u0000${versionIdOf(e.resource) ?? ''}`;
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, i);
    else if (type !== 'history') {
      issues.push(invariant('bdl-7', `${at}.fullUrl`, {
        en: `'${fullUrl}' is the fullUrl of ${expression}.entry[${first}] too`,
        da: `'${fullUrl}' er også fullUrl for ${expression}.entry[${first}]`,
      }));
    }
    const r = isJsonObject(e.resource) ? e.resource : undefined;
    const disagreement = r && typeof r.id === 'string' ? fullUrlDisagreement(fullUrl, `${String(r.resourceType)}/${r.id}`, 'resource', isResourceType) : undefined;
    if (disagreement) issues.push({ severity: 'error', code: 'invalid', expression: [`${at}.fullUrl`], text: disagreement });
  });
  return issues;
}
