import { appendIssues } from '../errors/issue';
import { FhirError } from '../errors/fhir-error';
import { primaryLanguage, validationOutcome, type ValidationIssue } from '../profile-validation/messages';
import type { CompiledProfile } from '../profile-validation/profile-registry';
import type { ValidationMode } from '../profile-validation/validator';
import { OperationResult, type OperationHandler } from './context';
import { excerpt } from '../errors/excerpt';
import { R4_OPERATION_TEXTS } from './r4-operation-texts';
import { isJsonObject } from '../fhir/json-object';
import { reportProfileNamed, type ReportProfile } from '../profile-validation/report-profiles';

export const RESOURCE_VALIDATE_DEFINITION = 'http://faelles-tx.dk/fhir/OperationDefinition/Resource-validate';

const VALIDATE = R4_OPERATION_TEXTS['Resource-validate']!;

const MODES: ValidationMode[] = ['create', 'update', 'delete', 'profile'];

/**
 * $validate (POST) for any resource at system, type and instance level, following R4 Resource-validate, plus
 * `kommunekode` (the sending municipality, for niveau-3 codes): the resource is the body, or the `resource` parameter
 * of a Parameters body (then `mode`, `profile` and `kommunekode` come from the Parameters; otherwise from the query).
 * An invalid resource is a 200 OperationOutcome with error issues; a request it cannot be performed on is a 4xx.
 */
export const validateOperation: OperationHandler = {
  spec: {
    name: 'validate',
    params: [
      { name: 'resource', type: 'Resource', examined: true },
      { name: 'mode', type: 'code' },
      { name: 'profile', type: 'uri' },
      { name: 'kommunekode', type: 'string' },
    ],
  },
  resourceType: 'Resource',
  levels: ['system', 'type', 'instance'],
  methods: ['POST'],
  definition: RESOURCE_VALIDATE_DEFINITION,
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
    description: "HL7's $validate, by POST only, at the base (any resource type), on a type and on an instance (the resource must be of " +
      "that type, and have that id), plus this server's 'kommunekode'. The resource is the body, or the 'resource' of a Parameters body " +
      "(then 'mode', 'profile' and 'kommunekode' come from the Parameters, otherwise from the query). It is checked against FHIR R4 and " +
      "KL's gateway profiles; an invalid resource is a 200 OperationOutcome with error issues, in Danish unless the caller prefers " +
      'English; a request it cannot be performed on is a 4xx.',
    inputs: {
      ...VALIDATE.inputs,
      mode: `${VALIDATE.inputs.mode} This server: create, update or profile (which needs 'profile': without it, 400 required); delete is refused (400 not-supported), as the server does not store what it validates.`,
      profile: `${VALIDATE.inputs.profile} This server: one of its profiles (served at StructureDefinition), by its canonical or KL's.`,
      kommunekode: "This server's: the sending municipality's three-digit code, against whose local catalog niveau-3 codes are checked.",
    },
    outputs: VALIDATE.outputs,
  },
  resourceParameter: 'resource',
  // its refusals as its findings: Danish unless the caller prefers English
  messageLanguage: primaryLanguage,
  async handle(input, ctx, _target, address) {
    const { profiles, validator, schema } = ctx.services!.validation;
    const type = address?.type || undefined;
    const id = address?.id;
    if (type && !schema.isResourceType(type)) throw FhirError.notFound(`'${excerpt(type)}' is not a FHIR R4 resource type`, { da: `'${excerpt(type)}' er ikke en FHIR R4-ressourcetype` });
    const resource: unknown = input.one('resource');
    if ((resource === undefined && input.names().length === 0) || (isJsonObject(resource) && typeof resource.resourceType !== 'string')) {
      throw FhirError.invalid("Send the resource to validate as the request body, or a Parameters resource with the parameter 'resource'", {
        da: "Send ressourcen, der skal valideres, som forespørgslens krop, eller en Parameters-ressource med parameteren 'resource'",
      });
    }
    const mode = input.string('mode');
    if (mode !== undefined && !MODES.includes(mode as ValidationMode)) {
      throw FhirError.invalid(`Parameter 'mode' must be one of ${MODES.join(', ')}, not '${excerpt(mode)}'`, {
        expression: ['mode'], da: `Parameteren 'mode' skal være en af ${MODES.join(', ')}, ikke '${excerpt(mode)}'`,
      });
    }
    if (mode === 'delete') {
      throw FhirError.notSupported('mode=delete is not supported: $validate checks what a resource holds; whether one may be deleted, its DELETE answers', {
        expression: ['mode'], da: 'mode=delete understøttes ikke: $validate kontrollerer, hvad en ressource indeholder; om en må slettes, svarer dens DELETE på',
      });
    }
    // R4 Resource-validate: "If this mode is specified, then a profile must be given"
    if (mode === 'profile' && input.string('profile') === undefined) {
      throw new FhirError(400, 'required', "mode=profile needs the parameter 'profile': the resource is validated against that profile only, not against its meta.profile", {
        expression: ['profile'], da: "mode=profile kræver parameteren 'profile': ressourcen valideres kun mod den profil, ikke mod sin meta.profile",
      });
    }
    if (!isJsonObject(resource)) {
      throw FhirError.invalid("No resource to validate: give the parameter 'resource'", { expression: ['resource'], da: "Ingen ressource at validere: angiv parameteren 'resource'" });
    }
    const resourceType = resource.resourceType;
    if (typeof resourceType !== 'string' || !schema.isResourceType(resourceType)) {
      const given = excerpt(String(resourceType));
      throw FhirError.invalid(`The resource to validate has no valid resourceType ('${given}' is not a FHIR R4 resource type)`, {
        expression: ['resourceType'], da: `Ressourcen har ingen gyldig resourceType ('${given}' er ikke en FHIR R4-ressourcetype)`,
      });
    }
    if (type && resourceType !== type) {
      throw FhirError.invalid(`The resource is a ${resourceType}, but it was posted to ${type}/$validate`, {
        expression: ['resourceType'], da: `Ressourcen er en ${resourceType}, men den er sendt til ${type}/$validate`,
      });
    }
    if (id !== undefined && resource.id !== id) {
      const given = excerpt(String(resource.id ?? ''));
      throw FhirError.invalid(`The resource's id '${given}' does not match ${type}/${excerpt(id)}`, {
        expression: ['id'], da: `Ressourcens id '${given}' passer ikke med ${type}/${excerpt(id)}`,
      });
    }
    let profile: CompiledProfile | undefined;
    let report: ReportProfile | undefined;
    const profileParam = input.string('profile');
    if (profileParam !== undefined) {
      profile = profiles.find(profileParam);
      // a KL delivery report's canonical: its own rules and its entries' (report-profiles.ts)
      report = profile ? undefined : reportProfileNamed(profileParam);
      if (report && resourceType !== 'Bundle') {
        throw FhirError.invalid(`The profile '${excerpt(profileParam)}' constrains Bundle, not ${resourceType}`, {
          expression: ['profile'], da: `Profilen '${excerpt(profileParam)}' gælder for Bundle, ikke ${resourceType}`,
        });
      }
      if (!profile && !report) {
        throw FhirError.notFound(`The profile '${excerpt(profileParam)}' is not known to this server`, { expression: ['profile'], da: `Profilen '${excerpt(profileParam)}' kendes ikke af serveren` });
      }
      if (profile && profile.type !== resourceType) {
        throw FhirError.invalid(`The profile '${excerpt(profileParam)}' constrains ${profile.type}, not ${resourceType}`, {
          expression: ['profile'], da: `Profilen '${excerpt(profileParam)}' gælder for ${profile.type}, ikke ${resourceType}`,
        });
      }
    }
    const kommunekode = input.string('kommunekode');
    if (kommunekode !== undefined && !/^\d{3}$/.test(kommunekode)) {
      throw FhirError.invalid(`Parameter 'kommunekode' must be a three-digit municipality code, not '${excerpt(kommunekode)}'`, {
        expression: ['kommunekode'], da: `Parameteren 'kommunekode' skal være en kommunekode på tre cifre, ikke '${excerpt(kommunekode)}'`,
      });
    }
    const issues: ValidationIssue[] = [];
    if (mode === 'update' && typeof resource.id !== 'string') {
      issues.push({
        severity: 'error', code: 'required', expression: [`${resourceType}.id`],
        text: { en: 'mode=update: the resource has no id', da: 'mode=update: ressourcen har intet id' },
      });
    }
    appendIssues(issues, await validator.validate({ resource, profile, report, mode: mode as ValidationMode | undefined, kommunekode, registry: ctx.registry }));
    const lang = primaryLanguage(ctx.acceptLanguages);
    return new OperationResult(200, validationOutcome(issues, lang), { 'Content-Language': lang });
  },
};
