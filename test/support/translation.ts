import type { OperationOutcome } from 'fhir/r4';
import { TRANSLATION_EXTENSION } from '../../src/errors/issue';

/** A primitive's `_` element, which carries FHIR's translation extension (the other language of its text). */
export interface TranslationElement {
  extension?: { url: string; extension?: { url: string; valueCode?: string; valueString?: string }[] }[];
}

/** A text, and the language and content of its translation. */
export interface Translated {
  text?: string;
  lang?: string;
  translation?: string;
}

/** A text and its translation (the language and the content of the translation extension on its `_` element). */
export function translated(value: string | undefined, element: TranslationElement | undefined): Translated {
  const ext = element?.extension?.find((e) => e.url === TRANSLATION_EXTENSION)?.extension;
  return { text: value, lang: ext?.find((e) => e.url === 'lang')?.valueCode, translation: ext?.find((e) => e.url === 'content')?.valueString };
}

/** An OperationOutcome issue's `details.text` and its translation. */
export function issueTranslated(issue: OperationOutcome['issue'][number] | undefined): Translated {
  const details = issue?.details as { text?: string; _text?: TranslationElement } | undefined;
  return translated(details?.text, details?._text);
}
