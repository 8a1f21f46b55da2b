import { FhirError } from '../errors/fhir-error';
import { outcomeIssue } from '../errors/issue';
import { primaryLanguage } from '../errors/message-language';
import { operationOutcome } from '../errors/operation-outcome';
import { ParametersBuilder, type OperationSpec } from '../fhir/parameters';
import { checkKommunekodeParam, KOMMUNEKODE_PARAM } from './gateway-codings';
import { localRecording, retiredTargetIssues } from '../municipal/recording';
import type { OperationHandler } from './context';

/**
 * CodeSystem/$local-codings?kommunekode=370&code=370-BOLDSPIL (this server's own operation): what an EOJ system
 * records for a municipality's local code, in one call (bilag 6). For a local intervention (scenario 3): its niveau-2
 * coding with the niveau-3 coding in KL's gateway system next to it, as the gateway wants them; for an offer
 * (scenario 1): one CodeableConcept per common intervention the offer stands for, with the displays to record.
 */
const spec: OperationSpec = {
  name: 'local-codings',
  params: [
    KOMMUNEKODE_PARAM,
    { name: 'system', type: 'uri' },
    { name: 'code', type: 'code' },
    { name: 'coding', type: 'Coding' },
    { name: 'gatewaySystem', type: 'uri' },
  ],
};

export const localCodingsOperation: OperationHandler = {
  spec,
  resourceType: 'CodeSystem',
  levels: ['type'],
  cache: 'answer',
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-local-codings',
  documentation: {
    description: "What an EOJ system records for a municipality's local (niveau-3) code, in one call (bilag 6): for a local " +
      "intervention its niveau-2 coding with the niveau-3 coding in KL's gateway system beside it; for an offer one " +
      'CodeableConcept per common intervention it stands for.',
    inputs: {
      kommunekode: 'The municipality (three digits) whose local code it is; or give system',
      system: "The local code system's canonical URL",
      code: 'The local code',
      coding: 'The local code as a Coding (instead of system and code)',
      gatewaySystem: "KL's system for niveau-3 codes to use; by default the one of the gateway the niveau-2 code belongs to",
    },
    outputs: [
      { name: 'kommunekode', type: 'code', documentation: 'The municipality the code belongs to' },
      { name: 'source', type: 'Coding', documentation: 'The local code asked for, with its display' },
      { name: 'kind', type: 'code', documentation: 'indsats (intervention) or tilbud (offer)' },
      { name: 'status', type: 'code', documentation: "The local code's status" },
      { name: 'codeableConcept', type: 'CodeableConcept', repeats: true, documentation: 'What to record: niveau 2 with niveau 3 beside it, or one per intervention of an offer' },
      { name: 'replacement', type: 'Coding', repeats: true, documentation: 'When a niveau-2 code the local code maps to is retired: the code(s) that replace it, to map the local code to instead' },
      { name: 'issues', type: 'OperationOutcome', documentation: 'Warnings: a niveau-2 code the local code maps to is retired (with its replacement)' },
    ],
  },
  handle(input, ctx) {
    const coding = input.one<{ system?: string; code?: string }>('coding');
    const code = input.string('code') ?? coding?.code;
    if (!code) {
      throw FhirError.invalid('Give the local code as code (with kommunekode or system) or as coding', {
        expression: ['code'], da: 'Angiv den lokale kode som code (med kommunekode eller system) eller som coding',
      });
    }
    const r = localRecording(ctx.registry, {
      kommunekode: checkKommunekodeParam(input.string('kommunekode')),
      system: input.string('system') ?? coding?.system,
      code,
      gatewaySystem: input.string('gatewaySystem'),
    });
    const out = new ParametersBuilder().code('kommunekode', r.kommunekode).coding('source', r.source).code('kind', r.kind).code('status', r.status);
    for (const cc of r.concepts) out.codeableConcept('codeableConcept', cc);
    for (const retired of r.retiredTargets) for (const c of retired.replacements) out.coding('replacement', c);
    if (r.retiredTargets.length > 0) {
      // read by the municipality's staff: Danish unless English is asked for, both languages given
      const lang = primaryLanguage(ctx.acceptLanguages);
      out.resource('issues', operationOutcome(retiredTargetIssues(code, r.retiredTargets).map((i) => outcomeIssue(i, lang, false))));
    }
    return out.build();
  },
};
