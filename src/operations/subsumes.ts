import type { CodeSystem, Coding } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { unknownCodeText } from '../errors/common-errors';
import { ParametersBuilder, type OperationSpec } from '../fhir/parameters';
import type { OperationHandler } from './context';
import { R4_OPERATION_TEXTS } from './r4-operation-texts';
import { TX_RESOURCE_DOCUMENTATION, TX_RESOURCE_PARAM } from './tx-resources';
import { excerpt } from '../errors/excerpt';
import { versionInSystemHint } from './system-uri';
import { versionInInstanceUrl } from './instance-version';
import { supplementAsSystemError } from '../terminology/supplement-problems';

const SUBSUMES = R4_OPERATION_TEXTS['CodeSystem-subsumes']!;

const spec: OperationSpec = {
  name: 'subsumes',
  params: [
    { name: 'codeA', type: 'code' },
    { name: 'codeB', type: 'code' },
    { name: 'system', type: 'uri' },
    { name: 'version', type: 'string' },
    { name: 'codingA', type: 'Coding' },
    { name: 'codingB', type: 'Coding' },
    TX_RESOURCE_PARAM,
  ],
};

export const subsumesOperation: OperationHandler = {
  spec,
  resourceType: 'CodeSystem',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-subsumes',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes',
    description: "HL7's CodeSystem/$subsumes, at type level and on a CodeSystem instance, plus the tx ecosystem's 'tx-resource'. Both codes " +
      "are of one code system and one version of it: a coding of another system or version is a 400, a code the code system does not have a 404; a code given both as code and " +
      'as coding (codeA and codingA) is a 400.',
    inputs: { ...SUBSUMES.inputs, 'tx-resource': TX_RESOURCE_DOCUMENTATION },
    outputs: SUBSUMES.outputs,
  },
  cache: 'answer',
  handle(input, ctx, target) {
    const cs = target as CodeSystem | undefined;
    input.refuseTogether('codeA', 'codingA');
    input.refuseTogether('codeB', 'codingB');
    const codingA = input.one<Coding>('codingA');
    const codingB = input.one<Coding>('codingB');
    const codeA = input.string('codeA') ?? codingA?.code;
    const codeB = input.string('codeB') ?? codingB?.code;
    if (!codeA || !codeB) {
      // the expression names what is missing: the code, or the coding when codings were given
      const name = (side: 'A' | 'B') => (codingA || codingB ? `coding${side}` : `code${side}`);
      const missing = [...(codeA ? [] : [name('A')]), ...(codeB ? [] : [name('B')])];
      throw FhirError.invalid("Give both 'codeA' and 'codeB' (or 'codingA' and 'codingB')", { expression: missing, da: "Giv både 'codeA' og 'codeB' (eller 'codingA' og 'codingB')" });
    }
    // called on an instance, the operation works on it: another system is a 400, a coding of another one differs below
    if (cs) versionInInstanceUrl(cs, input.string('system'), 'system');
    const system = cs?.url ?? input.string('system') ?? codingA?.system ?? codingB?.system;
    if (!system) throw FhirError.invalid("No system given: 'system' is required at type level", {
      expression: ['system'], da: "Intet kodesystem angivet: 'system' skal gives, når operationen ikke kaldes på et bestemt CodeSystem",
    });
    for (const c of [codingA, codingB]) {
      if (c?.system && c.system !== system) {
        throw FhirError.invalid(`Both codes must be from the same code system; '${excerpt(c.system)}' differs from '${excerpt(system)}'`, {
          da: `Begge koder skal være fra samme kodesystem; '${excerpt(c.system)}' er ikke '${excerpt(system)}'`,
        });
      }
    }
    // one version of the one code system, as one system: codingB's looked up in codingA's would be another code system
    const versions = [...new Set([input.string('version'), codingA?.version, codingB?.version].filter((v): v is string => v !== undefined))];
    if (versions.length > 1) {
      throw FhirError.invalid(`Both codes must be from the same version of the code system; '${excerpt(versions[1]!)}' differs from '${excerpt(versions[0]!)}'`, {
        da: `Begge koder skal være fra samme version af kodesystemet; '${excerpt(versions[1]!)}' er ikke '${excerpt(versions[0]!)}'`,
      });
    }
    const version = versions[0];
    const provider = cs && cs.url === system && (version === undefined || version === cs.version)
      ? ctx.registry.provider(cs)
      : ctx.registry.codeSystemProvider(system, version);
    if (!provider) {
      const supplement = supplementAsSystemError(ctx.registry, system, version);
      if (supplement) throw supplement;
      const v = version ? ` version '${excerpt(version)}'` : '';
      const hint = versionInSystemHint(system);
      throw FhirError.notFound(`A definition for CodeSystem '${excerpt(system)}'${v} could not be found${hint.en}`, {
        txIssueType: 'not-found', da: `Kodesystemet '${excerpt(system)}'${v} kendes ikke${hint.da}`,
      });
    }
    const a = provider.locate(codeA);
    const b = provider.locate(codeB);
    // the code in the version looked in, at the parameter the client gave it in
    const unknown = (code: string, side: 'A' | 'B'): FhirError => {
      const text = unknownCodeText(code, system, provider.version);
      const given = input.string(`code${side}`) !== undefined ? `code${side}` : `coding${side}`;
      return FhirError.notFound(text.en, { txIssueType: 'invalid-code', expression: [given], da: text.da });
    };
    if (!a) throw unknown(codeA, 'A');
    if (!b) throw unknown(codeB, 'B');
    let outcome = 'not-subsumed';
    if (a === b) outcome = 'equivalent';
    else if (provider.subsumes(a, b)) outcome = 'subsumes';
    else if (provider.subsumes(b, a)) outcome = 'subsumed-by';
    return new ParametersBuilder().code('outcome', outcome).build();
  },
};
