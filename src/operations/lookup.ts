import type { CodeSystem, Coding } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { unknownCodeText } from '../errors/common-errors';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { parseLanguages } from '../errors/message-language';
import { missingSupplementsError, supplementAsSystemError } from '../terminology/supplement-problems';
import { parseDisplayLanguage } from '../terminology/validation/options';
import type { OperationContext, OperationHandler } from './context';
import { lookupResult } from './lookup-result';
import { instanceAtVersion, versionInInstanceUrl } from './instance-version';
import { versionInSystemHint } from './system-uri';
import { canonical, compareVersions } from '../terminology/canonical';
import { presentVersionList } from '../terminology/versions';
import { versionInForce } from '../terminology/in-force';
import { hasSupplement } from '../terminology/providers/provider';
import { R4_OPERATION_TEXTS } from './r4-operation-texts';
import { TX_RESOURCE_DOCUMENTATION, TX_RESOURCE_PARAM, USE_SUPPLEMENT_DOCUMENTATION } from './tx-resources';
import { excerpt } from '../errors/excerpt';
import { agreeing } from './agreeing-parameters';

const LOOKUP = R4_OPERATION_TEXTS['CodeSystem-lookup']!;

const spec: OperationSpec = {
  name: 'lookup',
  params: [
    { name: 'code', type: 'code' },
    { name: 'system', type: 'uri' },
    { name: 'version', type: 'string' },
    { name: 'coding', type: 'Coding' },
    { name: 'date', type: 'dateTime' },
    { name: 'displayLanguage', type: 'code' },
    { name: 'property', type: 'code', repeats: true },
    { name: 'useSupplement', type: 'canonical', repeats: true },
    TX_RESOURCE_PARAM,
  ],
};

/**
 * The other versions of a code system that have the code (for the answer to a code not in the version looked in),
 * the versions later writes replaced included: they still answer by url|version.
 */
function otherVersionsWith(ctx: OperationContext, system: string, version: string | undefined, code: string): string[] {
  return ctx.registry.versions('CodeSystem', system, true)
    .filter((cs) => cs.version !== version && cs.content !== 'supplement' && ctx.registry.provider(cs).locate(code) !== undefined)
    .map((cs) => cs.version ?? '')
    .filter((v) => v !== '');
}

/** `system` or `version`, given alone or in the coding: both, and different, is a 400 (`agreeing`). */
function givenOnce(input: OperationInput, name: 'system' | 'version', inCoding: string | undefined): string | undefined {
  return agreeing({ name, value: input.string(name) }, { name: `coding.${name}`, value: inCoding });
}

/** The version of the code system in force on `date` (the rule of $translate's date); a 404 when none was in use yet. */
function versionOnDate(ctx: OperationContext, system: string, date: string): string | undefined {
  const inForce = versionInForce(ctx.registry, 'CodeSystem', system, date, ctx.written, (c) => c.content !== 'supplement');
  if (inForce) return inForce.version;
  if (ctx.registry.versions('CodeSystem', system, true).length === 0) return undefined; // unknown: answered as without a date
  throw FhirError.notFound(`No version of the CodeSystem '${excerpt(system)}' was in force on '${excerpt(date)}'`, {
    txIssueType: 'not-found', expression: ['date'], da: `Ingen version af kodesystemet '${excerpt(system)}' var gældende '${excerpt(date)}'`,
  });
}

export const lookupOperation: OperationHandler = {
  spec,
  resourceType: 'CodeSystem',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-lookup',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
    description: "HL7's CodeSystem/$lookup, at type level and on a CodeSystem instance (whose url is then the system), plus the tx " +
      "ecosystem's 'useSupplement' and 'tx-resource'. A code the code system does not have is a 404 OperationOutcome, which names the " +
      'other versions of the code system that have it.',
    inputs: {
      ...LOOKUP.inputs,
      system: `${LOOKUP.inputs.system} (at instance level: the CodeSystem's url, or none)`,
      date: `${LOOKUP.inputs.date} This server: without 'version', the version of the code system in force on that date (its ` +
        "stated date, else when it was first written to this server; drafts never), as $translate's date picks a map's; 404 when none was in force yet.",
      property: `${LOOKUP.inputs.property} This server: also this server's properties of the catalogs (niveau, lovparagraf, niveau1, replacedBy).`,
      useSupplement: USE_SUPPLEMENT_DOCUMENTATION,
      'tx-resource': TX_RESOURCE_DOCUMENTATION,
    },
    outputs: [
      ...LOOKUP.outputs.map((o) => (o.name === 'display' ? { ...o, min: 0, documentation: `${o.documentation} (none when the concept has none)` } : o))
        .map((o) => (o.name === 'designation' ? {
          ...o, parts: [...o.parts!, { name: 'source', type: 'canonical', documentation: "This server's, as R5's: the supplement the designation comes from" }],
        } : o)),
      { name: 'system', type: 'uri', documentation: "This server's, as R5's: the code system's url" },
      { name: 'code', type: 'code', documentation: "This server's, as R5's: the code looked up" },
      { name: 'definition', type: 'string', documentation: "This server's, as R5's: the concept's definition" },
      { name: 'abstract', type: 'boolean', documentation: "This server's, as R5's: true when the concept is abstract (not for use in data)" },
      { name: 'used-supplement', type: 'canonical', repeats: true, documentation: "This server's, as the tx ecosystem's: a supplement used (url|version)" },
    ],
  },
  cache: 'answer',
  handle(input: OperationInput, ctx: OperationContext, target) {
    const coding = input.one<Coding>('coding');
    const code = input.string('code') ?? coding?.code;
    input.refuseTogether('code', 'coding');
    let system = givenOnce(input, 'system', coding?.system);
    const version = givenOnce(input, 'version', coding?.version);
    // the parameter a value came from, for the answer that refuses it
    const from = (name: 'system' | 'version') => (input.has(name) ? name : `coding.${name}`);
    const cs = target as CodeSystem | undefined;
    if (cs) {
      versionInInstanceUrl(cs, system, from('system')); // another system is a 400
      system = system ?? cs.url;
    }
    if (!code) throw FhirError.invalid("No code to look up: give 'code' and 'system', or 'coding'", { expression: ['code'], da: "Ingen kode at slå op: giv 'code' og 'system' eller 'coding'" });
    if (!system) throw FhirError.invalid("No system given: 'system' is required with 'code' at type level", {
      expression: ['system'], da: "Intet kodesystem angivet: 'system' skal gives sammen med 'code', når operationen ikke kaldes på et bestemt CodeSystem",
    });

    const supplements = input.all<string>('useSupplement');
    const date = version === undefined ? input.string('date') : undefined;
    const onDate = date !== undefined ? versionOnDate(ctx, system, date) : undefined;
    const provider = cs && cs.url === system && onDate === undefined
      ? ctx.registry.provider(instanceAtVersion(ctx.registry, cs, version, from('version')), supplements)
      : ctx.registry.codeSystemProvider(system, onDate ?? version, supplements);
    if (!provider) {
      const supplement = supplementAsSystemError(ctx.registry, system, version, ['system']);
      if (supplement) throw supplement;
      const v = version ? ` version '${excerpt(version)}'` : '';
      const hint = versionInSystemHint(system);
      throw FhirError.notFound(`A definition for CodeSystem '${excerpt(system)}'${v} could not be found, so the code cannot be looked up${hint.en}`, {
        txIssueType: 'not-found', expression: ['system'], da: `Kodesystemet '${excerpt(system)}'${v} kendes ikke, så koden kan ikke slås op${hint.da}`,
      });
    }
    const missing = supplements.filter((s) => !hasSupplement(provider, s));
    if (missing.length > 0) throw missingSupplementsError(ctx.registry, missing, [canonical(provider.url, provider.version)]);
    const concept = provider.locate(code);
    if (!concept) {
      const v = provider.version ? ` version '${provider.version}'` : '';
      const elsewhere = otherVersionsWith(ctx, system, provider.version, code);
      const quoted = elsewhere.map((x) => `'${x}'`);
      const older = elsewhere.every((x) => compareVersions(x, provider.version) < 0);
      const text = unknownCodeText(code, system, provider.version);
      throw FhirError.notFound(text.en, {
        txIssueType: 'invalid-code', expression: ['code'], da: text.da,
        ...(elsewhere.length > 0 ? {
          extraIssues: [{
            severity: 'information', code: 'informational', expression: ['code'],
            text: {
              en: `The code '${excerpt(code)}' is in ${elsewhere.length === 1 ? 'version' : 'versions'} ${presentVersionList(quoted)} ` +
                `of the CodeSystem '${excerpt(system)}'${older ? ' (older than the version looked in)' : ''}; give the version to look it up there`,
              da: `Koden '${excerpt(code)}' findes i ${elsewhere.length === 1 ? 'version' : 'versionerne'} ${presentVersionList(quoted, 'da')} ` +
                `af kodesystemet '${excerpt(system)}'${older ? ' (ældre end den version, der er slået op i)' : ''}; angiv versionen for at slå den op der`,
            },
          }],
        } : {}),
      });
    }
    const displayLanguage = input.string('displayLanguage');
    if (displayLanguage !== undefined) parseDisplayLanguage(displayLanguage);
    const languages = parseLanguages(displayLanguage).concat(
      input.has('displayLanguage') ? [] : ctx.acceptLanguages,
    );
    return lookupResult(ctx.registry, provider, concept, input.all<string>('property'), languages);
  },
};
