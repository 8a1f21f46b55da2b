import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import { walkJson } from './json-walk';

/**
 * FHIR's rule for the text of a primitive value (datatypes.html#primitive, json.html#primitive): a value is never
 * empty (an element without a value is left out), and a string holds Unicode characters, none of them a control
 * character below U+0020 other than tab, line feed and carriage return. JSON can still carry such text (`""`,
 * `"\u0000"`, an unpaired surrogate `"\ud800"`); this says what is wrong with it. The same rule for a repeating
 * element: FHIR's JSON has no empty array (`"useContext": []`), the element is left out: `$validate` reports one
 * (a gateway's validator refuses it), a write drops it.
 */
export type TextProblem = 'empty' | 'control' | 'surrogate' | 'empty-list';

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What makes `value` unfit as a primitive's text, or undefined when it is fit. */
export function textProblem(value: string): TextProblem | undefined {
  if (value.length === 0) return 'empty';
  if (CONTROL.test(value)) return 'control';
  if (UNPAIRED_SURROGATE.test(value)) return 'surrogate';
  return undefined;
}

/**
 * 400 invalid when `text` is unfit as a primitive's text, saying so of `subject` (the start of the sentence: "Parameter
 * 'code'", in both languages); `expression`: where the value is.
 */
export function refuseTextProblem(text: string, subject: Bilingual, expression: string[] | undefined): void {
  const problem = textProblem(text);
  if (!problem) return;
  const why = describeTextProblem(problem);
  throw FhirError.invalid(`${subject.en} ${why.en}`, { expression, da: `${subject.da} ${why.da}` });
}

/** The problem as the predicate of a sentence about the value ("Parameter 'code' …", "The value …"), in both languages. */
export function describeTextProblem(problem: TextProblem): Bilingual {
  switch (problem) {
    case 'empty': return {
      en: 'is empty (FHIR values are never empty: leave the element or parameter out instead)',
      da: 'er tom (FHIR-værdier er aldrig tomme: udelad i stedet elementet eller parameteren)',
    };
    case 'control': return {
      en: 'has a control character (only tab, line feed and carriage return are allowed in FHIR text)',
      da: 'indeholder et kontroltegn (kun tabulator, linjeskift og vognretur er tilladt i FHIR-tekst)',
    };
    case 'surrogate': return {
      en: 'has an unpaired UTF-16 surrogate (not a Unicode character)',
      da: 'indeholder et uparret UTF-16-surrogat (ikke et Unicode-tegn)',
    };
    case 'empty-list': return {
      en: "is an empty list (FHIR's JSON has no empty arrays: leave the element out instead)",
      da: "er en tom liste (FHIR's JSON har ingen tomme lister: udelad i stedet elementet)",
    };
  }
}

/** The text of an issue about a value of a resource with the problem ("Not valid FHIR R4: the value is empty …"), in both languages. */
export function textProblemText(problem: TextProblem): Bilingual {
  const why = describeTextProblem(problem);
  return { en: `Not valid FHIR R4: the value ${why.en}`, da: `Ikke gyldig FHIR R4: værdien ${why.da}` };
}

/**
 * Every string of a JSON resource whose text breaks the rule, with its path in FHIRPath form from `root` (e.g.
 * `CodeSystem.concept[2].display`); with `emptyLists`, every empty array too. Object keys are not values and are not
 * checked here (the schema checks names).
 */
export function textProblems(value: unknown, root: string, emptyLists = false): { path: string; problem: TextProblem }[] {
  const out: { path: string; problem: TextProblem }[] = [];
  walkJson(value, root, (v, path) => {
    const problem = typeof v === 'string' ? textProblem(v) : emptyLists && Array.isArray(v) && v.length === 0 ? 'empty-list' : undefined;
    if (problem) out.push({ path: path(), problem });
  });
  return out;
}

/**
 * Takes the empty arrays out of a JSON value, in place: a repeating element without values is left out in FHIR's
 * JSON, so a write stores (and serves) `"useContext": []` as no useContext, which is what it means.
 */
export function dropEmptyLists(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) dropEmptyLists(item);
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (Array.isArray(v) && v.length === 0) delete obj[key];
      else dropEmptyLists(v);
    }
  }
}
