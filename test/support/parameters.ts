/** Building Parameters requests and reading Parameters answers, for every test that sends or checks one. */
import type { Parameters, ParametersParameter } from 'fhir/r4';
import { valueField } from '../../src/fhir/choice-value';

/** A Parameters resource of these parameters (loosely typed: tests also send what FHIR does not allow). */
export function parametersOf(...parameter: unknown[]): Parameters {
  return { resourceType: 'Parameters', parameter: parameter as unknown as Parameters['parameter'] };
}

/** Parameters, or a list of parameters or parts. */
export type ParameterList = Parameters | ParametersParameter[] | undefined;

const listOf = (p: ParameterList): ParametersParameter[] => (Array.isArray(p) ? p : p?.parameter ?? []);

export function asParameters(r: unknown): Parameters {
  const p = r as Parameters;
  expect(p.resourceType).toBe('Parameters');
  return p;
}

/** Every parameter (or part) of that name, in order. */
export function params(p: ParameterList, name: string): ParametersParameter[] {
  return listOf(p).filter((x) => x.name === name);
}

/** The first parameter (or part) of that name. */
export function param(p: ParameterList, name: string): ParametersParameter | undefined {
  return params(p, name)[0];
}

/** The first part of that name of a parameter. */
export function part(p: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return p?.part?.find((x) => x.name === name);
}

/** The value of a parameter or part, whatever its value[x] type. */
export function valueOf(p: ParametersParameter | undefined): unknown {
  if (!p) return undefined;
  const field = valueField(p);
  return field ? (p as unknown as Record<string, unknown>)[field] : undefined;
}

/** What the first parameter (or part) of that name carries: its value[x], else its resource, else its parts. */
export function valueNamed(p: ParameterList, name: string): unknown {
  const hit = param(p, name);
  if (!hit) return undefined;
  return valueField(hit) ? valueOf(hit) : hit.resource ?? hit.part;
}

export interface LookupProperty {
  code: string;
  value: unknown;
  description?: string;
}

/** The `property` parameters of a $lookup answer, in order. */
export function lookupProperties(p: Parameters): LookupProperty[] {
  return params(p, 'property').map((prop) => {
    const parts = prop.part ?? [];
    const code = valueOf(parts.find((x) => x.name === 'code')) as string;
    const value = valueOf(parts.find((x) => x.name === 'value'));
    const description = valueOf(parts.find((x) => x.name === 'description')) as string | undefined;
    return { code, value, description };
  });
}

export function propertyValues(p: Parameters, code: string): unknown[] {
  return lookupProperties(p).filter((x) => x.code === code).map((x) => x.value);
}

/** The OperationOutcome a $validate-code answer carries in `issues`, if any. */
export function validationIssues(p: Parameters): {
  severity: string;
  code: string;
  details?: { text?: string; coding?: { system?: string; code?: string }[] };
  expression?: string[];
}[] {
  const oo = param(p, 'issues')?.resource as { issue?: unknown[] } | undefined;
  return (oo?.issue ?? []) as ReturnType<typeof validationIssues>;
}

export const TX_ISSUE_TYPE = 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type';

export function txIssueType(issue: { details?: { coding?: { system?: string; code?: string }[] } }): string | undefined {
  return issue.details?.coding?.find((c) => c.system === TX_ISSUE_TYPE)?.code;
}
