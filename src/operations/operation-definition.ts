import type { OperationDefinition, OperationDefinitionParameter } from 'fhir/r4';
import type { ParamType } from '../fhir/parameters';
import type { OperationHandler } from './context';
import { PACKAGE_OPERATION_DEFINITIONS } from '../packages/operation-definitions';
import { OPERATIONS } from '.';

type FhirType = NonNullable<OperationDefinitionParameter['type']>;

const FHIR_TYPES: Record<ParamType, FhirType | undefined> = {
  code: 'code', uri: 'uri', canonical: 'canonical', string: 'string', boolean: 'boolean', integer: 'integer', dateTime: 'dateTime',
  Coding: 'Coding', CodeableConcept: 'CodeableConcept', Resource: 'Resource', part: undefined,
};

/** The OperationDefinition of one of this server's own operations, from its parameter spec and documentation. */
export function operationDefinitionOf(op: OperationHandler): OperationDefinition {
  const doc = op.documentation!;
  const input: OperationDefinitionParameter[] = op.spec.params.map((p) => ({
    name: p.name, use: 'in', min: doc.requiredInputs?.includes(p.name) ? 1 : 0, max: p.repeats ? '*' : '1',
    ...(FHIR_TYPES[p.type] ? { type: FHIR_TYPES[p.type] } : {}),
    ...(doc.inputs?.[p.name] ? { documentation: doc.inputs[p.name] } : {}),
  }));
  const output: OperationDefinitionParameter[] = doc.outputs.map((o) => ({
    name: o.name, use: 'out', min: 0, max: o.repeats ? '*' : '1', ...(o.type ? { type: o.type as FhirType } : {}), documentation: o.documentation,
  }));
  return {
    resourceType: 'OperationDefinition',
    id: `${op.resourceType}-${op.spec.name}`,
    url: op.definition,
    ...(doc.base ? { base: doc.base } : {}),
    // a name a computer can use (opd-0): import-local → CodeSystemImportLocal
    name: `${op.resourceType}${op.spec.name.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`,
    status: 'active',
    kind: 'operation',
    description: doc.description,
    affectsState: op.affectsState ?? false,
    code: op.spec.name,
    resource: [op.resourceType],
    system: op.levels.includes('system'),
    type: op.levels.includes('type'),
    instance: op.levels.includes('instance'),
    parameter: [...input, ...output],
  };
}

/** The OperationDefinition with this id (`{resourceType}-{name}` of a documented operation, or a package operation's). */
export function operationDefinitionById(id: string): OperationDefinition | undefined {
  const op = OPERATIONS.find((o) => o.documentation && `${o.resourceType}-${o.spec.name}` === id);
  return op ? operationDefinitionOf(op) : PACKAGE_OPERATION_DEFINITIONS.find((d) => d.id === id);
}
