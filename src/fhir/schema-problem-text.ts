import type { Bilingual } from '../errors/issue';

/** What an ajv message of the schema validator says, in Danish (the English stays ajv's, attached as its translation). */
function danishOf(message: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^must have required property '(.+)'$/.exec(message))) return `mangler det påkrævede element '${m[1]}'`;
  if ((m = /^must NOT have additional properties '(.+)'$/.exec(message))) return `har det ukendte element '${m[1]}'`;
  if (/^must NOT have additional properties/.test(message)) return 'har et ukendt element';
  if ((m = /^must be (string|number|boolean|object|array|integer|null)$/.exec(message))) {
    const types: Record<string, string> = { string: 'en tekst', number: 'et tal', boolean: 'en boolean', object: 'et objekt', array: 'en liste', integer: 'et heltal', null: 'null' };
    return `skal være ${types[m[1]!]}`;
  }
  if (/^must match pattern/.test(message)) return 'har et ugyldigt format';
  if (/^must be equal to one of the allowed values/.test(message)) return 'har en værdi, der ikke er tilladt';
  if ((m = /^must be (>=|<=|>|<) (\S+)$/.exec(message))) {
    const bounds: Record<string, string> = { '>=': 'mindst', '<=': 'højst', '>': 'større end', '<': 'mindre end' };
    return `skal være ${bounds[m[1]!]} ${m[2]}`;
  }
  if ((m = /^unknown resourceType '(.*)'$/.exec(message))) return `har en ukendt ressourcetype ('${m[1]}')`;
  if (message === 'not a JSON object') return 'er ikke et JSON-objekt';
  // a rule the schema does not use today: the English text (its translation) says which
  return 'er ugyldig';
}

/**
 * A schema problem in English and Danish, for `$validate` and for writes: "Not valid FHIR R4: …" / "Ikke gyldig FHIR
 * R4: …", with the element's path in the Danish text when given (an issue's expression names it too).
 */
export function schemaProblemText(message: string, path?: string): Bilingual {
  return { en: `Not valid FHIR R4: ${message}`, da: `Ikke gyldig FHIR R4${path ? ` (${path})` : ''}: ${danishOf(message)}` };
}
