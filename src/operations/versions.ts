import type { OperationHandler } from './context';

/** `[base]/$versions`: the FHIR versions the server speaks, only R4. */
export const versionsOperation: OperationHandler = {
  spec: { name: 'versions', params: [] },
  resourceType: 'Resource',
  levels: ['system'],
  definition: 'http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions',
  handle: () => ({
    resourceType: 'Parameters',
    parameter: [{ name: 'version', valueCode: '4.0' }, { name: 'default', valueCode: '4.0' }],
  }),
};
