import type { OperationHandler } from './context';
import { R4_OPERATION_TEXTS } from './r4-operation-texts';

/** `[base]/$versions`: the FHIR versions the server speaks, only R4. */
export const versionsOperation: OperationHandler = {
  spec: { name: 'versions', params: [] },
  resourceType: 'Resource',
  levels: ['system'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/Resource-versions',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions',
    description: "HL7's $versions at the base: the FHIR versions the server speaks, only R4 (4.0), which is also the default.",
    outputs: R4_OPERATION_TEXTS['CapabilityStatement-versions']!.outputs,
  },
  handle: () => ({
    resourceType: 'Parameters',
    parameter: [{ name: 'version', valueCode: '4.0' }, { name: 'default', valueCode: '4.0' }],
  }),
};
