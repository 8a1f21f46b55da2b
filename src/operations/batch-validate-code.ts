import type { Parameters, Resource } from 'fhir/r4';
import { errorToOutcome } from '../errors/operation-outcome';
import { FhirError } from '../errors/fhir-error';
import { messageLanguageOf } from '../errors/message-language';
import { parseParametersResource, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { jsonBytes, serializedParameters } from '../fhir/serialized';
import { currentTimeBudget } from '../terminology/time-budget';
import type { OperationContext, OperationHandler } from './context';
import { checkResourceParameters } from './resource-parameters';
import { withTxResources } from './tx-resources';
import { VALUE_SET_VALIDATE_INPUTS, valueSetValidateCodeOperation, valueSetValidateSpec } from './validate-code';

const spec: OperationSpec = {
  name: 'batch-validate-code',
  params: [...valueSetValidateSpec.params, { name: 'validation', type: 'Resource', repeats: true, examined: true }],
};

/** Names a validation entry may repeat (the others it sets replace the request-level value). */
const REPEATING = new Set(valueSetValidateSpec.params.filter((p) => p.repeats).map((p) => p.name));

/**
 * An entry's parameters with the request-level ones (`shared`) that apply to it: its own single-valued parameters
 * replace the request's, repeating ones (tx-resource, system-version, ...) add to them. The entry is parsed on its own,
 * so that what is wrong with it is named where it is in the entry (`Parameters.parameter[n]` of the validation).
 */
function entryParameters(shared: OperationInput, entry: Parameters): OperationInput {
  const own = parseParametersResource(valueSetValidateSpec, entry);
  const overridden = new Set(own.names().filter((n) => !REPEATING.has(n)));
  return shared.picked((n) => !overridden.has(n)).merged(own, (n) => REPEATING.has(n));
}

const CODING_FIELDS = new Set(['system', 'code', 'version', 'display']);

/**
 * What identifies an entry's answer: the entry itself. The common entry — one `coding` of plain strings — gets a
 * short key without serializing the entry; any other entry is keyed by its JSON.
 */
function entryKey(entry: Resource): string {
  const parameter = (entry as Parameters).parameter;
  if (entry.resourceType === 'Parameters' && Array.isArray(parameter) && parameter.length === 1 && Object.keys(entry).length === 2) {
    const p = parameter[0] as unknown as Record<string, unknown> | undefined;
    const coding = p?.valueCoding as Record<string, unknown> | undefined;
    if (p && p.name === 'coding' && Object.keys(p).length === 2 && coding && typeof coding === 'object' && !Array.isArray(coding)) {
      const keys = Object.keys(coding);
      if (keys.every((k) => CODING_FIELDS.has(k) && typeof coding[k] === 'string')) {
        return `coding:${JSON.stringify([coding.system ?? null, coding.code ?? null, coding.version ?? null, coding.display ?? null])}`;
      }
    }
  }
  return JSON.stringify(entry);
}

/**
 * ValueSet/$batch-validate-code: one $validate-code per `validation` entry, with the request-level parameters
 * (value set, tx-resources, options) applying to every entry. Each entry answers with its validate-code result, or
 * with an OperationOutcome when it could not be validated; one bad entry does not fail the batch.
 */
export const batchValidateCodeOperation: OperationHandler = {
  spec,
  resourceType: 'ValueSet',
  levels: ['type', 'instance'],
  // the HL7 terminology ecosystem's operation, which FHIR R4 does not define: this server's definition of it
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ValueSet-batch-validate-code',
  documentation: {
    description: "Many $validate-code calls in one: each 'validation' (a Parameters resource with the parameters of one ValueSet/$validate-code) " +
      'is validated with the parameters given at the request level (value set, tx-resource, options), its own replacing a single-valued one ' +
      'and adding to a repeating one. One answer per validation, in order; a validation that cannot be carried out is answered with its ' +
      "OperationOutcome, and does not fail the others; its issues' expressions name the validation's own parameters (Parameters.parameter[n] " +
      'of that validation, not of the request).',
    inputs: { ...VALUE_SET_VALIDATE_INPUTS, validation: "One validation: a Parameters resource with the parameters of ValueSet/$validate-code (code and system, coding or codeableConcept, …)" },
    outputs: [{ name: 'validation', repeats: true, type: 'Resource', documentation: "Each validation's answer, in order: the Parameters of $validate-code (result, message, issues …), or an OperationOutcome" }],
  },
  handle(input, ctx: OperationContext, target) {
    const entries = input.all<Resource>('validation');
    if (entries.length === 0) throw FhirError.invalid("No 'validation' entries to validate", { expression: ['validation'], da: "Ingen 'validation'-elementer at validere" });
    const shared = input.picked((name) => name !== 'validation');
    // Identical entries (a batch names the same codes many times) are validated and serialized once: the answer
    // depends only on the entry and the request-level parameters, which are the same for every entry. The answer is
    // assembled from the JSON of each distinct entry's result (byte for byte what serializing the Parameters gives).
    // $validate-code answers synchronously, and so does this loop (no async context to carry: see time-budget.ts);
    // should an answer ever come as a promise, the loop goes on when it settles.
    // An entry seen before as the same object (the body parser gives identical parameters as one) is not keyed again;
    // entries that are equal but distinct objects meet in byKey.
    const budget = currentTimeBudget(); // kept: the loop may go on after an answer that came as a promise
    // an entry's refusal in the caller's language, as the same $validate-code alone would be refused
    const refusal = (e: unknown): Resource => errorToOutcome(e, messageLanguageOf(ctx.acceptLanguages)).outcome;
    const byKey = new Map<string, Buffer>();
    const byEntry = new Map<Resource, Buffer>();
    const parts: Buffer[] = new Array<Buffer>(entries.length);
    const record = (i: number, key: string, entry: Resource, result: Resource): void => {
      const part = jsonBytes({ name: 'validation', resource: result });
      byKey.set(key, part);
      byEntry.set(entry, part);
      parts[i] = part;
    };
    const from = (start: number): Parameters | Promise<Parameters> => {
      for (let i = start; i < entries.length; i++) {
        // the whole batch shares the operation's budget: out of time is 422 for the request, not per entry
        budget?.tick();
        const entry = entries[i]!;
        const same = byEntry.get(entry);
        if (same) {
          parts[i] = same;
          continue;
        }
        const key = entryKey(entry);
        const known = byKey.get(key);
        if (known) {
          parts[i] = known;
          byEntry.set(entry, known);
          continue;
        }
        budget?.check();
        let result: Resource | Promise<Resource>;
        try {
          if (entry.resourceType !== 'Parameters') {
            throw FhirError.invalid(`Each validation must be a Parameters resource, not ${entry.resourceType}`, {
              da: `Hver validation skal være en Parameters-ressource, ikke ${entry.resourceType}`,
            });
          }
          const parameter = (entry as Parameters).parameter;
          if (parameter !== undefined && (!Array.isArray(parameter) || parameter.some((p) => !p || typeof p !== 'object'))) {
            throw FhirError.invalid('Parameters.parameter of a validation must be an array of parameters', {
              da: 'Parameters.parameter i en validation skal være en liste af parametre',
            });
          }
          const entryInput = entryParameters(shared, entry as Parameters);
          checkResourceParameters(valueSetValidateSpec, entryInput, entry);
          // the request's tx-resources are applied (invoke); an entry's own ones add to them
          const entryCtx = (entry as Parameters).parameter?.some((p) => p.name === 'tx-resource') ? withTxResources(entryInput, ctx) : ctx;
          result = valueSetValidateCodeOperation.handle(entryInput, entryCtx, target) as Resource | Promise<Resource>;
        } catch (e) {
          result = refusal(e);
        }
        if (result instanceof Promise) {
          return result.then((r) => r, refusal).then((r) => {
            record(i, key, entry, r);
            return from(i + 1);
          });
        }
        record(i, key, entry, result);
      }
      return serializedParameters(parts) as unknown as Parameters;
    };
    return from(0);
  },
};
