import { excerpt } from './excerpt';
import { FhirError } from './fhir-error';

/** The errors several routes answer with, in the server's two languages (the Danish to a caller who asks for it). */

/** 404 for a resource id the server does not have. */
export function notKnown(type: string, id: string): FhirError {
  return FhirError.notFound(`${type}/${id} is not known`, { da: `${type}/${id} kendes ikke` });
}

/** 404 for a value set a report's parameter names that the server does not have. */
export function unknownValueSet(ref: string, parameter: string): FhirError {
  return FhirError.notFound(`The value set '${excerpt(ref)}' is not known`, { expression: [parameter], da: `Værdisættet '${excerpt(ref)}' kendes ikke` });
}

/** 404 for a ConceptMap (`url` or `url|version`) a parameter names that the server does not have. */
export function unknownConceptMap(ref: string, parameter: string): FhirError {
  return FhirError.notFound(`A ConceptMap '${excerpt(ref)}' is not known`, { expression: [parameter], da: `ConceptMap '${excerpt(ref)}' kendes ikke` });
}

/** The text for a code the code system (in the version looked in, when it has one) does not have, as tx.fhir.org words it. */
export function unknownCodeText(code: string, system: string, version?: string): { en: string; da: string } {
  const v = version ? ` version '${excerpt(version)}'` : '';
  return { en: `Unknown code '${excerpt(code)}' in the CodeSystem '${excerpt(system)}'${v}`, da: `Ukendt kode '${excerpt(code)}' i kodesystemet '${excerpt(system)}'${v}` };
}

/** 404 for a path no route answers. */
export function noRoute(req: { method: string; path: string }): FhirError {
  return FhirError.notFound(`No route for ${req.method} ${req.path}`, { da: `Ukendt adresse: ${req.method} ${req.path}` });
}

/** The Allow header of an address taking these methods: HEAD with GET, as every adapter answers a HEAD as the GET without its body. */
export function allowHeader(methods: readonly string[]): string {
  return methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
}

/** 405 for a method the address does not take, with the Allow header of those it does take (RFC 9110 §15.5.6). */
export function methodNotAllowed(methods: readonly string[], message: string, da: string): FhirError {
  return Object.assign(new FhirError(405, 'not-supported', message, { da }), { allow: allowHeader(methods) });
}

/**
 * 400 for a batch entry calling an operation that needs the request's own token (`needsToken`: an import, a package
 * load), whose work is too large and too much its own to be one of many entries.
 */
export function notAnsweredInBatch(operation: string): FhirError {
  return FhirError.notSupported(`$${operation} is not answered in a batch; POST it on its own`, { da: `$${operation} kan ikke sendes i en batch; send den for sig` });
}

/** 400 for a JSON body that is no object (`null`, `42`, `"x"`, an array: `kind` in both languages): a FHIR body is a resource. */
export function notAResourceBody(kind: { en: string; da: string }): FhirError {
  return FhirError.invalid(`The request body must be a FHIR resource (a JSON object), not ${kind.en}`, {
    da: `Forespørgslens krop skal være en FHIR-ressource (et JSON-objekt), ikke ${kind.da}`,
  });
}

/** 400 for a request body the JSON parser refused: its message, and in Danish where the message says the text goes wrong. */
export function invalidJsonBody(parserMessage: string): FhirError {
  return FhirError.invalid(`The request body is not valid JSON: ${parserMessage}`.trim(), {
    da: `Forespørgslens krop er ikke gyldig JSON${jsonProblemDa(parserMessage)}`,
  });
}

/** Where the JSON parser's (English) message says the text goes wrong, in Danish words: '' when it does not say. */
function jsonProblemDa(message: string): string {
  if (/unexpected end/i.test(message)) return ': teksten slutter, før JSON-værdien er færdig';
  const token = /unexpected token '?(.)'?/i.exec(message)?.[1];
  const position = /position (\d+)/i.exec(message)?.[1];
  const where = position !== undefined ? ` ved tegn ${position}` : '';
  if (token !== undefined) return `: uventet tegn '${token}'${where}`;
  return where ? `: fejl${where}` : '';
}
