import type { CodeableConcept, CodeSystem, Coding } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { OperationInput, type OperationSpec, type ParamValue } from '../fhir/parameters';
import type { OperationHandler } from './context';
import type { TerminologyRegistry } from '../terminology/registry';
import { isGatewayLocalSystem, isKommunekode } from '../municipal/municipality';
import { resolveGatewaySystem } from '../municipal/gateway-systems';
import { excerpt } from '../errors/excerpt';
import { localCatalogsOnDate } from './map-version';

/**
 * KL's gateway sends a niveau-3 code as a coding in `http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions`
 * (§119/§140) or `http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions` (care gateway). Those systems
 * say only "locally defined"; which municipality defined the code travels elsewhere in the submission (the
 * managing organisation). This server resolves such a coding with a `kommunekode` parameter: the code is looked
 * up in that municipality's local CodeSystems, and the one that has it stands in for the gateway system.
 */
export const KOMMUNEKODE_PARAM = { name: 'kommunekode', type: 'code' } as const;

export function checkKommunekodeParam(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isKommunekode(value)) {
    throw FhirError.invalid(`kommunekode must be a three-digit municipality code, not '${excerpt(value)}'`, {
      expression: ['kommunekode'], da: `kommunekode skal være en kommunekode på tre cifre, ikke '${excerpt(value)}'`,
    });
  }
  return value;
}

function rewriteCoding(registry: TerminologyRegistry, kommunekode: string, coding: Coding, catalogs: CodeSystem[] | undefined): Coding {
  if (!isGatewayLocalSystem(coding.system)) return coding;
  const cs = resolveGatewaySystem(registry, kommunekode, coding.code, catalogs);
  return cs ? { ...coding, system: cs.url, version: coding.version ?? cs.version } : coding;
}

/**
 * Wraps CodeSystem/$validate-code so that a gateway-style coding plus `kommunekode` is validated against the
 * municipality's local catalog. Without `kommunekode` the operation is unchanged.
 */
export function withGatewaySystems(op: OperationHandler): OperationHandler {
  const spec: OperationSpec = { ...op.spec, params: [...op.spec.params, KOMMUNEKODE_PARAM] };
  return {
    ...op,
    spec,
    documentation: {
      ...op.documentation,
      description: `${op.documentation.description} This server's 'kommunekode' validates a gateway-style niveau-3 coding.`,
      inputs: {
        ...op.documentation.inputs,
        kommunekode: "This server's: a municipality's three-digit code. A code in KL's gateway systems of locally defined interventions " +
          "(LocallyDefinedInterventions) is validated in the municipality's local catalog that has it.",
      },
    },
    handle(input, ctx, target) {
      const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
      if (!kommunekode) return op.handle(input, ctx, target);
      const registry = ctx.registry;
      // with a date, the catalogs as they were then: a code a later version dropped is still the municipality's
      const date = input.string('date');
      const catalogs = date !== undefined ? localCatalogsOnDate(ctx, kommunekode, date) : undefined;
      const codingCode = input.one<Coding>('coding')?.code;
      const code = input.string('code') ?? (typeof codingCode === 'string' ? codingCode : undefined);
      const values = new Map<string, ParamValue[]>();
      for (const name of input.names()) {
        if (name === 'kommunekode') continue;
        let list = input.all<ParamValue>(name);
        if ((name === 'system' || name === 'url') && list.some((v) => typeof v === 'string' && isGatewayLocalSystem(v))) {
          const cs = resolveGatewaySystem(registry, kommunekode, code, catalogs);
          if (cs?.url) list = list.map((v) => (typeof v === 'string' && isGatewayLocalSystem(v) ? cs.url! : v));
        } else if (name === 'coding') {
          list = list.map((v) => rewriteCoding(registry, kommunekode, v as Coding, catalogs));
        } else if (name === 'codeableConcept') {
          list = list.map((v) => {
            const cc = v as CodeableConcept;
            return Array.isArray(cc.coding) ? { ...cc, coding: cc.coding.map((c) => (c && typeof c === 'object' ? rewriteCoding(registry, kommunekode, c, catalogs) : c)) } : cc;
          });
        }
        values.set(name, list);
      }
      return op.handle(new OperationInput(values), ctx, target);
    },
  };
}
