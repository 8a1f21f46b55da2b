import type { OperationDefinition, OperationDefinitionParameter } from 'fhir/r4';
import type { ParamSpec, ParamType } from '../fhir/parameters';
import type { InputDocumentation, OperationHandler, ParameterDocumentation } from './context';
import { OPERATIONS } from '.';

type FhirType = NonNullable<OperationDefinitionParameter['type']>;
type Use = OperationDefinitionParameter['use'];

const FHIR_TYPES: Record<ParamType, FhirType | undefined> = {
  code: 'code', uri: 'uri', canonical: 'canonical', string: 'string', boolean: 'boolean', integer: 'integer', dateTime: 'dateTime',
  Coding: 'Coding', CodeableConcept: 'CodeableConcept', Resource: 'Resource', part: undefined,
};

/** A documented parameter (an output, or a part the documentation declares) with its parts, all the way down. */
function documented(p: ParameterDocumentation, use: Use): OperationDefinitionParameter {
  return {
    name: p.name, use, min: p.min ?? 0, max: p.repeats ? '*' : '1', ...(p.type ? { type: p.type as FhirType } : {}), documentation: p.documentation,
    ...(p.parts ? { part: p.parts.map((x) => documented(x, use)) } : {}),
  };
}

/**
 * An input from its spec (name, type, repeats, the parts it defines) and its documentation (text, min; its FHIR type
 * where the spec has none or a wider one, e.g. a resource parameter's resource type; parts where the spec has none).
 */
function input(p: ParamSpec, doc: string | InputDocumentation | ParameterDocumentation | undefined, min: number): OperationDefinitionParameter {
  const d = typeof doc === 'string' ? { documentation: doc } : doc;
  const type = d?.type ?? FHIR_TYPES[p.type];
  const parts = p.parts ? p.parts.map((x) => {
    const partDoc = d?.parts?.find((y) => y.name === x.name);
    return input(x, partDoc, partDoc?.min ?? 0);
  }) : d?.parts?.map((x) => documented(x, 'in'));
  return {
    name: p.name, use: 'in', min, max: p.repeats ? '*' : '1', ...(type ? { type: type as FhirType } : {}),
    ...(d?.documentation ? { documentation: d.documentation } : {}), ...(parts ? { part: parts } : {}),
  };
}

/** The OperationDefinition of one of the operations, from its parameter spec and documentation. */
export function operationDefinitionOf(op: OperationHandler): OperationDefinition {
  const doc = op.documentation;
  const inputs = op.spec.params.map((p) => input(p, doc.inputs?.[p.name], doc.requiredInputs?.includes(p.name) ? 1 : 0));
  const outputs = doc.outputs.map((o) => documented(o, 'out'));
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
    parameter: [...inputs, ...outputs],
  };
}

/** The definitions of every operation this server offers, from the operation table. */
export function allOperationDefinitions(): OperationDefinition[] {
  return OPERATIONS.map(operationDefinitionOf);
}

/** The OperationDefinition with this id (`{resourceType}-{name}` of an operation). */
export function operationDefinitionById(id: string): OperationDefinition | undefined {
  const op = OPERATIONS.find((o) => `${o.resourceType}-${o.spec.name}` === id);
  return op ? operationDefinitionOf(op) : undefined;
}
