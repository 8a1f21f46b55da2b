import type { NextFunction, Request, Response } from 'express';
import type { CapabilityStatement, CapabilityStatementRestResource, Parameters } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { parseParametersResource, parseQuery, type OperationInput, type OperationSpec } from '../fhir/parameters';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import type { OperationContext } from '../operations/context';
import { withTimeBudget } from '../terminology/time-budget';
import { primaryLanguage, validationOutcome, type ValidationIssue } from '../validation/messages';
import type { CompiledProfile, ProfileRegistry } from '../validation/profile-registry';
import type { SubmissionValidator, ValidationMode } from '../validation/validator';
import { sendResource } from './fhir-json';
import { STRUCTURE_DEFINITION_SEARCH_PARAMS } from './structure-definition-route';

/** `/$validate`, `/[type]/$validate` and `/[type]/[id]/$validate`. */
export const VALIDATE_PATH = /^\/(?:([A-Za-z]+)(?:\/([^/$][^/]*))?\/)?\$validate$/;

export const RESOURCE_VALIDATE_DEFINITION = 'http://hl7.org/fhir/OperationDefinition/Resource-validate';

/** The parameters of R4 Resource-validate, plus `kommunekode` (the sending municipality, for niveau-3 codes). */
export const validateSpec: OperationSpec = {
  name: 'validate',
  params: [
    { name: 'resource', type: 'Resource' },
    { name: 'mode', type: 'code' },
    { name: 'profile', type: 'canonical' },
    { name: 'kommunekode', type: 'string' },
  ],
};

const MODES: ValidationMode[] = ['create', 'update', 'delete', 'profile'];

function isObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

function hasResourceParameter(body: Record<string, unknown>): boolean {
  return Array.isArray(body.parameter) && body.parameter.some((p) => isObject(p) && p.name === 'resource');
}

export interface ValidateRouteDeps {
  profiles: ProfileRegistry;
  validator: SubmissionValidator;
  schema: FhirSchemaValidator;
  contextFor: (req: Request) => OperationContext;
}

/**
 * $validate (POST) for any resource at type, instance and system level, following the R4 Resource-validate
 * OperationDefinition: the resource is the body, or the `resource` parameter of a Parameters body (then `mode`,
 * `profile` and `kommunekode` come from the Parameters; otherwise from the query). An invalid resource is a 200
 * OperationOutcome with error issues; a request the operation cannot be performed on is a 4xx OperationOutcome.
 */
export function validateRoute(deps: ValidateRouteDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = VALIDATE_PATH.exec(req.path);
    if (!match) return next();
    try {
      const [, type, id] = match as unknown as [string, string | undefined, string | undefined];
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        throw new FhirError(405, 'not-supported', `$validate accepts POST, not ${req.method}`);
      }
      if (type && !deps.schema.supports(type)) throw FhirError.notFound(`'${type}' is not a FHIR R4 resource type`);
      const body = req.body as unknown;
      if (!isObject(body) || typeof body.resourceType !== 'string') {
        throw FhirError.invalid("Send the resource to validate as the request body, or a Parameters resource with the parameter 'resource'");
      }
      let input: OperationInput;
      let resource: unknown;
      if (body.resourceType === 'Parameters' && (type !== 'Parameters' || hasResourceParameter(body))) {
        input = parseParametersResource(validateSpec, body as unknown as Parameters);
        resource = input.one('resource');
      } else {
        input = parseQuery(validateSpec, req.query as Record<string, unknown>);
        resource = body;
      }

      const mode = input.string('mode');
      if (mode !== undefined && !MODES.includes(mode as ValidationMode)) {
        throw FhirError.invalid(`Parameter 'mode' must be one of ${MODES.join(', ')}, not '${mode}'`, { expression: ['mode'] });
      }
      if (mode === 'delete') {
        throw FhirError.notSupported('mode=delete is not supported: the server does not store the resources it validates, so there is no deletion to check', { expression: ['mode'] });
      }
      if (!isObject(resource)) throw FhirError.invalid("No resource to validate: give the parameter 'resource'", { expression: ['resource'] });
      const resourceType = resource.resourceType;
      if (typeof resourceType !== 'string' || !deps.schema.supports(resourceType) || resourceType === 'Resource' || resourceType === 'DomainResource') {
        throw FhirError.invalid(`The resource to validate has no valid resourceType ('${String(resourceType)}' is not a FHIR R4 resource type)`, { expression: ['resourceType'] });
      }
      if (type && resourceType !== type) {
        throw FhirError.invalid(`The resource is a ${resourceType}, but it was posted to ${type}/$validate`, { expression: ['resourceType'] });
      }
      if (id !== undefined && resource.id !== id) {
        throw FhirError.invalid(`The resource's id '${String(resource.id ?? '')}' does not match ${type}/${id}`, { expression: ['id'] });
      }

      let profile: CompiledProfile | undefined;
      const profileParam = input.string('profile');
      if (profileParam !== undefined) {
        profile = deps.profiles.find(profileParam);
        if (!profile) throw FhirError.notFound(`The profile '${profileParam}' is not known to this server`, { expression: ['profile'] });
        if (profile.type !== resourceType) {
          throw FhirError.invalid(`The profile '${profileParam}' constrains ${profile.type}, not ${resourceType}`, { expression: ['profile'] });
        }
      }
      const kommunekode = input.string('kommunekode');
      if (kommunekode !== undefined && !/^\d{3}$/.test(kommunekode)) {
        throw FhirError.invalid(`Parameter 'kommunekode' must be a three-digit municipality code, not '${kommunekode}'`, { expression: ['kommunekode'] });
      }

      const ctx = deps.contextFor(req);
      const issues: ValidationIssue[] = [];
      if (mode === 'update' && typeof resource.id !== 'string') {
        issues.push({
          severity: 'error', code: 'required', expression: [`${resourceType}.id`],
          text: { en: 'mode=update: the resource has no id', da: 'mode=update: ressourcen har intet id' },
        });
      }
      issues.push(...withTimeBudget(ctx.limits.timeBudgetMs, () => deps.validator.validate({
        resource, profile, mode: mode as ValidationMode | undefined, kommunekode, registry: ctx.registry,
      })));
      const lang = primaryLanguage(ctx.acceptLanguages);
      res.setHeader('Content-Language', lang);
      sendResource(res, 200, validationOutcome(issues, lang));
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Adds what the validation routes offer to the CapabilityStatement: StructureDefinition read and search, and
 * $validate at system level and on Bundle and the profiled resource types (with their profiles). $validate also
 * answers on the terminology types, but their entries keep listing the terminology operations only.
 */
export function withValidationCapabilities(cs: CapabilityStatement, profiles: ProfileRegistry): CapabilityStatement {
  const validate = { name: 'validate', definition: RESOURCE_VALIDATE_DEFINITION };
  const rest = cs.rest?.[0];
  if (!rest) return cs;
  const resources: CapabilityStatementRestResource[] = [...(rest.resource ?? [])];
  resources.push({
    type: 'StructureDefinition',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: STRUCTURE_DEFINITION_SEARCH_PARAMS.map(({ name, type }) => ({ name, type })),
  });
  const byType = new Map<string, string[]>([['Bundle', []]]);
  for (const p of profiles.list()) byType.set(p.type, [...(byType.get(p.type) ?? []), p.url]);
  for (const [type, urls] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    if (resources.some((r) => r.type === type)) continue;
    resources.push({
      type: type as CapabilityStatementRestResource['type'],
      ...(urls.length > 0 ? { supportedProfile: urls.sort() } : {}),
      operation: [validate],
    });
  }
  return { ...cs, rest: [{ ...rest, resource: resources, operation: [...(rest.operation ?? []), validate] }] };
}
