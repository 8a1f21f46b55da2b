import { withGatewaySystems } from '../local/gateway';
import { batchValidateCodeOperation } from './batch-validate-code';
import { closureOperation } from './closure';
import { compareOperation } from './compare';
import type { OperationHandler } from './context';
import { coverageOperation } from './coverage';
import { coverageMatrixOperation } from './coverage-matrix';
import { codeSystemDiffOperation, conceptMapDiffOperation, valueSetDiffOperation } from './diff';
import { expandOperation } from './expand';
import { exportOperation } from './export';
import { localCodingsOperation } from './local-codings';
import { lookupOperation } from './lookup';
import { rollupOperation } from './rollup';
import { subsumesOperation } from './subsumes';
import { translateOperation } from './translate';
import { codeSystemValidateCodeOperation, valueSetValidateCodeOperation } from './validate-code';

/** Every terminology operation the server offers; the HTTP route table and the CapabilityStatement derive from it. */
export const OPERATIONS: OperationHandler[] = [
  lookupOperation,
  // a gateway niveau-3 coding plus kommunekode is validated against the municipality's local catalog
  withGatewaySystems(codeSystemValidateCodeOperation),
  subsumesOperation,
  expandOperation,
  valueSetValidateCodeOperation,
  batchValidateCodeOperation,
  compareOperation,
  translateOperation,
  coverageOperation,
  coverageMatrixOperation,
  rollupOperation,
  exportOperation,
  localCodingsOperation,
  closureOperation,
  codeSystemDiffOperation,
  valueSetDiffOperation,
  conceptMapDiffOperation,
];

export function findOperation(resourceType: string, name: string): OperationHandler | undefined {
  return OPERATIONS.find((o) => o.resourceType === resourceType && o.spec.name === name);
}

/** An operation also answered at the server's base ([base]/$name), such as $closure. */
export function findSystemLevelOperation(name: string): OperationHandler | undefined {
  return OPERATIONS.find((o) => o.systemLevel && o.spec.name === name);
}

/** The paths of the operations that take a text/csv body (relative to the FHIR base). */
export function csvOperationPaths(): RegExp {
  const names = OPERATIONS.filter((o) => o.csvParameter).map((o) => `${o.resourceType}\\/\\$${o.spec.name}`);
  return new RegExp(`^\\/(?:${names.join('|') || '(?!)'})$`);
}
