import { withGatewaySystems } from './gateway-codings';
import { batchValidateCodeOperation } from './batch-validate-code';
import { closureOperation } from './closure';
import { compareOperation } from './compare';
import type { OperationHandler } from './context';
import { coverageOperation } from './coverage';
import { coverageMatrixOperation } from './coverage-matrix';
import { codeSystemDiffOperation, conceptMapDiffOperation, valueSetDiffOperation } from './diff';
import { expandOperation } from './expand';
import { exportOperation } from './export';
import { importLocalOperation } from './import-local';
import { localCodingsOperation } from './local-codings';
import { lookupOperation } from './lookup';
import { loadPackageOperation, packageOperation, packagesOperation, unloadPackageOperation } from './packages';
import { rollupOperation } from './rollup/operation';
import { subsumesOperation } from './subsumes';
import { translateOperation } from './translate/operation';
import { validateOperation } from './validate';
import { codeSystemValidateCodeOperation, valueSetValidateCodeOperation } from './validate-code';
import { versionsOperation } from './versions';
import { cacheControlOperation } from './cache-control';

/**
 * Every operation the server offers; invoke (src/operations/invoke.ts), the CapabilityStatement and the
 * OperationDefinitions derive from it.
 */
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
  importLocalOperation,
  versionsOperation,
  cacheControlOperation,
  validateOperation,
  packagesOperation,
  unloadPackageOperation,
  loadPackageOperation,
  packageOperation,
];

/**
 * The operation `name` on `resourceType` ('' at system level: the operations with the system level); an operation on
 * `Resource` answers on every type when it has the type or instance level.
 */
export function findOperation(resourceType: string, name: string): OperationHandler | undefined {
  if (!resourceType) return OPERATIONS.find((o) => o.spec.name === name && o.levels.includes('system'));
  return OPERATIONS.find((o) => o.resourceType === resourceType && o.spec.name === name) ??
    OPERATIONS.find((o) => o.resourceType === 'Resource' && o.spec.name === name && o.levels.some((l) => l !== 'system'));
}

/**
 * The POST paths (relative to the FHIR base) of the operations that take a body of their own kind, text/csv
 * (`csvParameter`) or any (`binaryBody`), or that need a token before their body is read (`needsToken`).
 */
export function operationPathsWith(what: 'csv' | 'binary' | 'token'): RegExp {
  const taking = OPERATIONS.filter((o) => (what === 'csv' ? o.csvParameter : what === 'binary' ? o.binaryBody : o.needsToken));
  const paths = taking.flatMap((o) => [
    ...(o.levels.includes('system') ? [`\\$${o.spec.name}`] : []),
    ...(o.levels.includes('type') ? [`${o.resourceType}\\/\\$${o.spec.name}`] : []),
  ]);
  return new RegExp(`^\\/(?:${paths.join('|') || '(?!)'})$`);
}
