import type { OperationHandler } from './context';
import { expandOperation } from './expand';
import { lookupOperation } from './lookup';
import { subsumesOperation } from './subsumes';
import { codeSystemValidateCodeOperation, valueSetValidateCodeOperation } from './validate-code';

/** Every terminology operation the server offers; the HTTP route table and the CapabilityStatement derive from it. */
export const OPERATIONS: OperationHandler[] = [
  lookupOperation,
  codeSystemValidateCodeOperation,
  subsumesOperation,
  expandOperation,
  valueSetValidateCodeOperation,
];

export function findOperation(resourceType: string, name: string): OperationHandler | undefined {
  return OPERATIONS.find((o) => o.resourceType === resourceType && o.spec.name === name);
}
