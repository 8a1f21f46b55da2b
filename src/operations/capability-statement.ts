import type { CapabilityStatement, CapabilityStatementRestResource, TerminologyCapabilities } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import { commonSearchParams } from '../fhir/search';
import type { ProfileRegistry } from '../profile-validation/profile-registry';
import { STRUCTURE_DEFINITION_SEARCH_PARAMS } from '../profile-validation/structure-definition-search';
import { SOFTWARE } from '../software';
import type { TerminologyRegistry } from '../terminology/registry';
import { TERMINOLOGY_SEARCH_PARAMS } from '../terminology/search';
import { AUDIT_EVENT_CAPABILITY } from '../write/audit-search';
import { OPERATIONS } from '.';
import { expandOperation } from './expand';
import { OPERATION_DEFINITION_SEARCH_PARAMS } from './operation-definition-search';

const FEATURES = [
  { definition: 'http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version', value: { valueCode: '1.7.8' } },
  { definition: 'http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter', value: { valueBoolean: true } },
];

/**
 * The CapabilityStatement, built from the operation table (and the package operations) so it never lists what the
 * server does not do; with StructureDefinition read and search, OperationDefinition read and search, and Bundle and
 * the profiled resource types (with their profiles). The operations on every type ($validate) are listed on each type
 * the statement lists. $validate also answers on R4's other types (`POST [base]/Patient/$validate`), which get no
 * entry of their own: an entry says the server supports the type, and this one keeps none of them; the system-level
 * $validate and its OperationDefinition (`resource: Resource`, `type: true`) say it takes any resource.
 */
const COMMON_PARAMS = commonSearchParams().map(({ name, type }) => ({ name, type }));

export function capabilityStatement(baseUrl: string, profiles: ProfileRegistry): CapabilityStatement {
  const onEveryType = OPERATIONS.filter((o) => o.resourceType === 'Resource' && o.levels.some((l) => l !== 'system'))
    .map((o) => ({ name: o.spec.name, definition: o.definition }));
  const types = ['CodeSystem', 'ValueSet', 'ConceptMap'] as const;
  const resources: CapabilityStatementRestResource[] = types.map((type) => ({
    type,
    // reads are open; create/update/delete need a Bearer token (rest.security)
    interaction: (['read', 'vread', 'search-type', 'history-instance', 'history-type', 'create', 'update', 'delete'] as const).map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    // a read (and a vread) answers 304 to If-None-Match and If-Modified-Since that hold (http/routes/reads.ts)
    conditionalRead: 'full-support',
    // If-None-Exist on a create, and PUT or DELETE [type]?[search] of the one resource found (write/conditional-match.ts)
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    updateCreate: true,
    searchParam: [...COMMON_PARAMS, ...TERMINOLOGY_SEARCH_PARAMS[type].map(({ name, type: t }) => ({ name, type: t }))],
    operation: [...OPERATIONS.filter((o) => o.resourceType === type).map((o) => ({
      name: o.spec.name, definition: o.definition,
    })), ...onEveryType],
  }));
  resources.push({ ...AUDIT_EVENT_CAPABILITY, operation: onEveryType }, {
    type: 'StructureDefinition',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [...COMMON_PARAMS, ...STRUCTURE_DEFINITION_SEARCH_PARAMS.map(({ name, type }) => ({ name, type }))],
    operation: onEveryType,
  }, {
    // the definitions of the operations listed (http/routes/reads.ts)
    type: 'OperationDefinition',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [...COMMON_PARAMS, ...OPERATION_DEFINITION_SEARCH_PARAMS.map(({ name, type }) => ({ name, type }))],
    operation: onEveryType,
  });
  const byType = new Map<string, string[]>([['Bundle', []]]);
  for (const p of profiles.list()) byType.set(p.type, [...(byType.get(p.type) ?? []), p.url]);
  for (const [type, urls] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    if (resources.some((r) => r.type === type)) continue;
    resources.push({
      type: type as CapabilityStatementRestResource['type'],
      ...(urls.length > 0 ? { supportedProfile: urls.sort() } : {}),
      operation: onEveryType,
    });
  }
  return {
    resourceType: 'CapabilityStatement',
    extension: FEATURES.map(({ definition, value }) => ({
      url: 'http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature',
      extension: [{ url: 'definition', valueCanonical: definition }, { url: 'value', ...value }],
    })),
    url: `${baseUrl}/metadata`,
    version: SOFTWARE.version,
    name: 'FaellesTxCapabilityStatement',
    title: 'faelles-tx terminology server',
    status: 'active',
    date: SOFTWARE.releaseDate,
    publisher: 'faelles-tx',
    kind: 'instance',
    instantiates: ['http://hl7.org/fhir/CapabilityStatement/terminology-server'],
    software: SOFTWARE,
    implementation: implementationOf(baseUrl),
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [{
      mode: 'server',
      resource: resources,
      security: {
        description: 'Reads are open. Writes (create, update, delete, transaction) need Authorization: Bearer <JWT>; the claim kommunekode decides ' +
          "which municipality's resources (http://faelles-tx.dk/fhir/kommune/{kommunekode}/...) the token may write, the scope admin allows the common catalogs.",
      },
      interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
      operation: [
        ...OPERATIONS.filter((o) => o.levels.includes('system')).map((o) => ({ name: o.spec.name, definition: o.definition })),
      ],
    }],
  };
}

/**
 * What `GET [base]/metadata` answers, sent alone or as a batch entry: the CapabilityStatement (`mode` full or
 * normative, or none), or with `mode=terminology` the TerminologyCapabilities.
 */
export function metadataResource(query: Record<string, unknown>, baseUrl: string, registry: TerminologyRegistry, profiles: ProfileRegistry):
  CapabilityStatement | TerminologyCapabilities {
  const mode = query.mode;
  if (mode === 'terminology') return terminologyCapabilities(baseUrl, registry);
  if (mode !== undefined && mode !== 'full' && mode !== 'normative') throw FhirError.invalid(`Unknown metadata mode '${excerpt(mode)}'`, { expression: ['mode'], da: `Ukendt metadata-mode '${excerpt(mode)}'` });
  return capabilityStatement(baseUrl, profiles);
}

/** The parameters of $expand that name the value set to expand rather than shape its expansion. */
const NOT_EXPANSION_PARAMETERS = new Set(['url', 'valueSet']);

/**
 * TerminologyCapabilities.expansion.parameter: every parameter $expand's spec declares (its OperationDefinition's),
 * but the value set itself (`url`, `valueSet`); `valueSetVersion`, which picks the version expanded, is one.
 */
export function expansionParameters(): string[] {
  return expandOperation.spec.params.map((p) => p.name).filter((name) => !NOT_EXPANSION_PARAMETERS.has(name))
    .sort((a, b) => a.localeCompare(b, 'en'));
}

/** The instance both statements describe (kind = instance: TerminologyCapabilities needs it, tcp-3). */
const implementationOf = (baseUrl: string) => ({ description: 'FSIII and FFB terminology server', url: baseUrl });

/**
 * TerminologyCapabilities: every code system and version the server answers for (the catalogs, the FHIR core
 * terminology, the library systems), the expansion parameters, what a ValueSet search by `code` finds, $closure.
 */
export function terminologyCapabilities(baseUrl: string, registry: TerminologyRegistry): TerminologyCapabilities {
  const byUrl = new Map<string, Set<string>>();
  for (const cs of [...registry.list('CodeSystem'), ...registry.referenceList('CodeSystem')]) {
    // a supplement is no code system of its own, and one whose content is not present (FHIR core's SNOMED CT stub) cannot be answered
    if (!cs.url || cs.content === 'supplement' || cs.content === 'not-present') continue;
    const set = byUrl.get(cs.url) ?? new Set<string>();
    if (cs.version) set.add(cs.version);
    byUrl.set(cs.url, set);
  }
  // the versions later writes replaced still answer `url|version` (a client choosing a server by them asks for those)
  for (const [url, set] of byUrl) {
    for (const past of registry.versions('CodeSystem', url, true)) if (past.version && past.content !== 'supplement') set.add(past.version);
  }
  return {
    resourceType: 'TerminologyCapabilities',
    url: `${baseUrl}/metadata?mode=terminology`,
    version: SOFTWARE.version,
    name: 'FaellesTxTerminologyCapabilities',
    title: 'faelles-tx terminology capabilities',
    status: 'active',
    date: SOFTWARE.releaseDate,
    kind: 'instance',
    software: { name: SOFTWARE.name, version: SOFTWARE.version },
    implementation: implementationOf(baseUrl),
    codeSystem: [...byUrl].sort(([a], [b]) => a.localeCompare(b)).map(([uri, versions]) => ({
      uri,
      ...(versions.size > 0 ? { version: [...versions].map((code) => ({ code })) } : {}),
    })),
    expansion: {
      hierarchical: true,
      paging: true,
      parameter: expansionParameters().map((name) => ({ name })),
      textFilter: 'Case- and accent-insensitive; Danish letters fold (æ=ae, ø=oe, å=aa); every word of the filter must occur in the display or a designation, or start a word of the code (as typed). A flat list gives the best matches first: the display itself, a display starting with the filter, its words starting words of the display, then of a designation, then the rest; each in the value set\'s order. A tree (hierarchical, a pick list) orders each level by the best match under each node.',
    },
    // `code` of a ValueSet search finds the codes its compose includes by name and its expansion lists (terminology/search.ts)
    codeSearch: 'explicit',
    validateCode: { translations: false },
    // $translate finds the maps for a code itself when none is named (url, conceptMap)
    translation: { needsMap: false },
    // $closure keeps tables of subsumption within one code system (terminology/closure-entries.ts), none across systems
    closure: { translation: false },
  };
}
