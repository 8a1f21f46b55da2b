import type { Binary, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { counted } from '../errors/counted';
import { outcomeIssue, type Bilingual } from '../errors/issue';
import { primaryLanguage } from '../errors/message-language';
import { countTypes, type PackageInfo, type PackageLacks } from '../packages/published-layer';
import { isSemVer } from '../terminology/versions';
import type { Principal } from '../auth/verifier';
import { BinaryContent, type Caller, type OperationContext, type OperationHandler } from './context';
import { requestedPackage } from '../packages/export-selection';
import { UPLOADED } from '../packages/package-reader';
import { writePackageTarball } from '../packages/package-writer';
import { excerpt } from '../errors/excerpt';
import { isBase64Binary } from '../fhir/base64-binary';

const BASE = 'http://faelles-tx.dk/fhir/OperationDefinition';

function packagesOf(ctx: OperationContext) {
  const packages = ctx.services?.packages;
  if (!packages) throw new FhirError(501, 'not-supported', 'This server does not load packages', { da: 'Serveren indlæser ikke pakker' });
  return packages;
}

/**
 * The caller of a package operation that writes, who must be an admin: another is refused 403, the refusal recorded in
 * the audit log with `entity`; a batch entry, which has no caller of its own, is refused 400.
 */
async function packageAdmin(ctx: OperationContext, operation: 'load-package' | 'unload-package', entity: string, needed: Bilingual): Promise<{ principal: Principal; caller: Caller }> {
  // needsToken: invoke answers a call without a caller (a batch entry) before this
  const caller = ctx.caller!;
  const principal = await caller.principal();
  if (!principal.admin) {
    const refused = new FhirError(403, 'forbidden', needed.en, { da: needed.da });
    await packagesOf(ctx).service.recordRefusal(operation, { principal }, entity, refused);
    throw refused;
  }
  return { principal, caller };
}

/** The packages that depend on `p` (by package.json), as name#version. */
function usedBy(p: PackageInfo, all: readonly PackageInfo[]): string[] {
  return all.filter((o) => o !== p && Object.keys(o.dependencies).includes(p.name)).map((o) => `${o.name}#${o.version}`);
}

/** What the package lacks now (PublishedLayer.lacks), as parts. */
function lackingParts(lacks: PackageLacks | undefined): ParametersParameter[] {
  if (!lacks) return [];
  return [
    ...lacks.dependencies.map((label) => ({ name: 'missingDependency', valueString: label })),
    ...lacks.unserved.map((t) => ({
      name: 'unserved',
      part: [
        { name: 'type', valueCode: t.type },
        { name: 'url', valueUri: t.url },
        ...(t.version ? [{ name: 'version', valueString: t.version }] : []),
        { name: 'resources', valueInteger: t.resources },
      ],
    })),
  ];
}

function packagePart(p: PackageInfo, all: readonly PackageInfo[], showLoader: boolean, lacks: PackageLacks | undefined): ParametersParameter {
  const part: ParametersParameter[] = [
    { name: 'name', valueString: p.name },
    { name: 'version', valueString: p.version },
    { name: 'fhirVersion', valueCode: p.fhirVersion },
    { name: 'origin', valueCode: p.origin },
    ...(p.loadedAt ? [{ name: 'loadedAt', valueDateTime: p.loadedAt }] : []),
    ...(showLoader && p.loadedBy ? [{ name: 'loadedBy', valueString: p.loadedBy }] : []),
    { name: 'resources', valueInteger: p.resources },
    { name: 'codeSystems', valueInteger: p.counts.CodeSystem },
    { name: 'valueSets', valueInteger: p.counts.ValueSet },
    { name: 'conceptMaps', valueInteger: p.counts.ConceptMap },
    ...Object.entries(p.dependencies).map(([name, version]) => ({ name: 'dependency', valueString: `${name}#${version}` })),
    ...usedBy(p, all).map((label) => ({ name: 'usedBy', valueString: label })),
    ...lackingParts(lacks),
  ];
  return { name: 'package', part };
}

/**
 * `[base]/$packages` (this server's operation): the packages served as published catalogs, in load order: the
 * terminology folder, those named in PACKAGES, those loaded at run time (every replica serves the same).
 */
export const packagesOperation: OperationHandler = {
  spec: { name: 'packages', params: [] },
  resourceType: 'Resource',
  levels: ['system'],
  definition: `${BASE}/Resource-packages`,
  documentation: {
    description: 'The FHIR packages served as published catalogs, in the order they were added: the terminology folder (origin terminology), ' +
      'the packages named in PACKAGES (configured) and those loaded at run time by $load-package or the watched folder (loaded), each with ' +
      'its name, version, FHIR version, when it was loaded, its resources by type, its dependencies and the packages that depend on it, ' +
      'and what it lacks now: a dependency not loaded, and each code system or value set its resources use that is not served (with ' +
      'PACKAGE_REFERENCES=warn a package is loaded so, with a warning each; loading what it lacks, as a package or by a write, completes it). ' +
      "Who loaded a package (the token's sub) is shown to a caller with an admin token.",
    outputs: [{
      name: 'package', repeats: true, documentation: 'One package',
      parts: [
        { name: 'name', type: 'string', min: 1, documentation: 'Its name' },
        { name: 'version', type: 'string', min: 1, documentation: 'Its version' },
        { name: 'fhirVersion', type: 'code', min: 1, documentation: 'Its FHIR version' },
        { name: 'origin', type: 'code', min: 1, documentation: 'terminology | configured | loaded' },
        { name: 'loadedAt', type: 'dateTime', documentation: 'When it was loaded' },
        { name: 'loadedBy', type: 'string', documentation: 'Who loaded it (shown to admin callers)' },
        { name: 'resources', type: 'integer', min: 1, documentation: 'The resources it holds' },
        { name: 'codeSystems', type: 'integer', min: 1, documentation: 'Its code systems' },
        { name: 'valueSets', type: 'integer', min: 1, documentation: 'Its value sets' },
        { name: 'conceptMaps', type: 'integer', min: 1, documentation: 'Its concept maps' },
        { name: 'dependency', type: 'string', repeats: true, documentation: 'A package it depends on (name#version)' },
        { name: 'usedBy', type: 'string', repeats: true, documentation: 'A package depending on it (name#version)' },
        { name: 'missingDependency', type: 'string', repeats: true, documentation: 'A dependency no served package satisfies (name#version)' },
        {
          name: 'unserved', repeats: true, documentation: 'A code system or value set its resources use that is not served (once each, by type, url and version)',
          parts: [
            { name: 'type', type: 'code', min: 1, documentation: 'CodeSystem | ValueSet' },
            { name: 'url', type: 'uri', min: 1, documentation: 'Its canonical url' },
            { name: 'version', type: 'string', documentation: 'The version the resources ask for, when they name one' },
            { name: 'resources', type: 'integer', min: 1, documentation: 'How many of the package\'s resources use it' },
          ],
        },
      ],
    }],
  },
  async handle(_input, ctx): Promise<Parameters> {
    const { layer } = packagesOf(ctx);
    const all = layer.packages();
    const viewer = await ctx.viewer?.();
    return { resourceType: 'Parameters', parameter: all.map((p) => packagePart(p, all, viewer?.admin === true, layer.lacks(p.name, p.version))) };
  },
};

/**
 * `POST [base]/$unload-package` (this server's operation, admin scope): takes a package loaded at run time out of
 * service on every replica, as `$load-package` brought it in; recorded in the audit log.
 */
export const unloadPackageOperation: OperationHandler = {
  spec: { name: 'unload-package', params: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }] },
  resourceType: 'Resource',
  levels: ['system'],
  methods: ['POST'],
  // read by KL's terminology team, as an import is: Danish unless English is asked for
  messageLanguage: primaryLanguage,
  affectsState: true,
  needsToken: true,
  definition: `${BASE}/Resource-unload-package`,
  documentation: {
    description: 'Takes a FHIR package loaded at run time ($load-package or the watched folder) out of the published catalogs of every replica, ' +
      'without a restart (admin scope). Refused, and nothing changes, when the package is not loaded (404), when it is configuration ' +
      '(the terminology folder or PACKAGES: 409), or when another package served depends on it or uses a code system or value set only ' +
      'it serves (409, each one named); resources municipalities wrote that use what only it serves are named as warnings. To replace a package: load the new version (served beside the old), then unload the old one. ' +
      'Recorded in the audit log (AuditEvent, entity name#version).',
    inputs: { name: 'The package name, e.g. kl.dk.fhir.term', version: 'The package version, e.g. 2.0.0' },
    requiredInputs: ['name', 'version'],
    outputs: [{ name: 'return', type: 'OperationOutcome', documentation: 'What was unloaded' }],
  },
  async handle(input, ctx): Promise<OperationOutcome> {
    // both required (checkRequired)
    const name = input.string('name')!;
    const version = input.string('version')!;
    const { principal, caller } = await packageAdmin(ctx, 'unload-package', `${name}#${version}`,
      { en: 'Unloading a package needs a token with the admin scope', da: 'Udtagning af pakker kræver et token med scope admin' });
    if (!isSemVer(version)) {
      throw FhirError.invalid(`The package version '${excerpt(version)}' is not a semantic version (e.g. 2.0.0)`, {
        expression: ['version'], da: `Pakkeversionen '${excerpt(version)}' er ikke en semantisk version (fx 2.0.0)`,
      });
    }
    const packages = packagesOf(ctx);
    const own = packages.layer.packageResources(name, version);
    const { warnings } = await packages.service.unload(name, version, { principal, gate: caller.gate() });
    // what another package (or the terminology folder) also carries stays served
    const gone = packages.layer.notServed(own);
    const counts = countTypes(gone);
    const kept = own.length - gone.length;
    const text = {
      en: `Package ${name}#${version} is unloaded: ${counted(counts.CodeSystem, 'code system', 'code systems')}, ${counted(counts.ValueSet, 'value set', 'value sets')} ` +
        `and ${counted(counts.ConceptMap, 'concept map', 'concept maps')} are no longer served` +
        (kept > 0 ? `; ${kept} of its resources stay served, as another package carries them too` : ''),
      da: `Pakken ${name}#${version} er taget ud: ${counted(counts.CodeSystem, 'kodesystem', 'kodesystemer')}, ${counts.ValueSet} værdisæt ` +
        `og ${counted(counts.ConceptMap, 'mapning', 'mapninger')} udgives ikke længere` +
        (kept > 0 ? `; ${kept} af dens ressourcer udgives fortsat, da en anden pakke også har dem` : ''),
    };
    const lang = primaryLanguage(ctx.acceptLanguages);
    return {
      resourceType: 'OperationOutcome',
      issue: [
        outcomeIssue({ severity: 'information', code: 'informational', text }, lang),
        // what municipalities wrote against the package no longer resolves: said, not a reason to refuse
        ...warnings.slice(0, 100).map((w) => outcomeIssue({ severity: 'warning', code: 'business-rule', text: w }, lang)),
      ],
    };
  },
};

/** The media types a package archive is taken in. */
const ARCHIVE_TYPES = /^application\/(gzip|x-gzip|octet-stream|tar\+gzip|x-tar)$/i;

/**
 * `POST [base]/$load-package` (this server's operation, admin scope), the package archive (.tgz) as the body: checked
 * whole, then served by every replica without a restart; recorded in the audit log, refusals too.
 */
export const loadPackageOperation: OperationHandler = {
  spec: { name: 'load-package', params: [{ name: 'package', type: 'Resource', examined: true }] },
  resourceType: 'Resource',
  levels: ['system'],
  methods: ['POST'],
  // read by KL's terminology team, as an import is: Danish unless English is asked for
  messageLanguage: primaryLanguage,
  affectsState: true,
  resourceParameter: 'package',
  binaryBody: true,
  needsToken: true,
  // checking a package takes the time its files take, within the request timeout: a write, not a computation
  ownTimeBudget: true,
  definition: `${BASE}/Resource-load-package`,
  documentation: {
    description: 'Loads a FHIR NPM package (the .tgz archive as the body, Content-Type application/gzip; admin scope) into the published catalogs ' +
      'of every replica, without a restart. The package is checked whole first (package.json name, semantic version, FHIR R4 4.0.1, dependencies ' +
      'loaded; every CodeSystem, ValueSet and ConceptMap valid R4 with a url; no url|version served with other content or written by a municipality): ' +
      'a package that fails is refused with every reason (422; 409 when name#version is loaded already) and nothing changes. Other resource types ' +
      'in the package are not served. Every code system and value set its resources use must be in the package or served already (each one ' +
      "missing is a reason; with the server's PACKAGE_REFERENCES=warn, a dependency not loaded and what is used but not served are warnings " +
      'in the answer instead, and the package is loaded). Recorded in the audit log (AuditEvent, entity name#version), refused loads too. $packages lists what is loaded; ' +
      '$unload-package takes a package out again. Answer: an OperationOutcome naming what was loaded.',
    inputs: { package: { type: 'Binary', documentation: 'The package archive (.tgz): the request body with Content-Type application/gzip, or a Binary in a Parameters body' } },
    requiredInputs: ['package'],
    outputs: [{ name: 'return', type: 'OperationOutcome', min: 1, documentation: 'What was loaded, or why not' }],
  },
  async handle(input, ctx): Promise<OperationOutcome> {
    const { principal, caller } = await packageAdmin(ctx, 'load-package', UPLOADED.en,
      { en: 'Loading a package needs a token with the admin scope', da: 'Indlæsning af pakker kræver et token med scope admin' });
    const archive = input.one<Binary>('package');
    // no body at all is loadOutcome's 400: the request has no package
    if (archive && (archive.resourceType !== 'Binary' || !ARCHIVE_TYPES.test(archive.contentType))) {
      const sent = archive.resourceType === 'Binary'
        ? { en: `'${excerpt(archive.contentType || 'none')}'`, da: `'${excerpt(archive.contentType || 'ingen')}'` }
        : { en: `a ${excerpt(String(archive.resourceType))}`, da: `en ${excerpt(String(archive.resourceType))}` };
      throw new FhirError(415, 'not-supported', `Send the package as .tgz with Content-Type application/gzip (not ${sent.en})`, {
        da: `Send pakken som .tgz med Content-Type application/gzip (ikke ${sent.da})`,
      });
    }
    const data = archive?.data ?? '';
    if (typeof data !== 'string' || !isBase64Binary(data)) {
      throw FhirError.invalid("The package's data is not base64 (FHIR's base64Binary): send the archive's bytes base64-encoded, or as the request body", {
        expression: ['package'], da: 'Pakkens data er ikke base64 (FHIR\'s base64Binary): send arkivets bytes base64-kodet eller som forespørgslens krop',
      });
    }
    const bytes = Buffer.from(data, 'base64');
    return packagesOf(ctx).service.loadOutcome(bytes, primaryLanguage(ctx.acceptLanguages), { principal, gate: caller.gate() });
  },
};

/**
 * `GET [base]/$package[?kommunekode=370][&version=…]` (or POST, with the parameters as Parameters): the common catalogs,
 * or one municipality's catalogs and maps, as a FHIR package archive (application/gzip), as `npm run package` writes it.
 */
export const packageOperation: OperationHandler = {
  spec: { name: 'package', params: [{ name: 'kommunekode', type: 'code' }, { name: 'version', type: 'string' }] },
  resourceType: 'Resource',
  levels: ['system'],
  ownTimeBudget: true,
  definition: `${BASE}/Resource-package`,
  documentation: {
    description: "The common catalogs (every published resource that belongs to no municipality), or one municipality's local catalogs and maps " +
      '(every version served), as a FHIR NPM package: package/package.json (name, version, fhirVersions, dependencies), package/.index.json, one ' +
      "resource per file; the .tgz archive as application/gzip (a Binary in a batch). The same as `npm run package`. A municipality's package " +
      'depends on the packages served that hold what its maps and value sets use beyond the terminology folder; one using what nothing here ' +
      'can bring along (a catalog deleted, a code system not known) is refused (422), as it would be where it is loaded.',
    inputs: {
      kommunekode: 'The municipality whose catalogs and maps to package (three digits); without it, the common catalogs',
      version: "The package version (semantic); by default the server's release for the catalogs of the terminology folder alone, else today's date " +
        'and a digest of the content (2026.12.2-c1f0e4b9a27): other content never gets the same version',
    },
    outputs: [{ name: 'return', type: 'Binary', min: 1, documentation: 'The package archive (application/gzip)' }],
  },
  async handle(input, ctx): Promise<BinaryContent> {
    const { layer, written, pastVersions } = packagesOf(ctx);
    const selection = requestedPackage({ kommunekode: input.string('kommunekode'), version: input.string('version') }, layer, written, pastVersions);
    const archive = await writePackageTarball(selection.manifest, selection.resources);
    return new BinaryContent('application/gzip', archive, { 'Content-Disposition': `attachment; filename="${selection.manifest.name}-${selection.manifest.version}.tgz"` });
  },
};
