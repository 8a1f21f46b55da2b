import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';

/** A parameter's value as the call gave it, under the name the caller used (`system`, `coding.system`, `url`). */
export interface Given {
  name: string;
  value: string | undefined;
  /** How the message names it, when not by `name` (the version in a url: `the version of 'url'`). */
  label?: { en: string; da: string };
}

/**
 * The one value two parameters naming the same thing give (`system` and `coding.system`, a code system's `url` and
 * `system`): either, or both when they agree; both and different is a 400, since which is meant cannot be told (as
 * `code` and `coding` together are refused), rather than one silently used.
 */
export function agreeing(first: Given, second: Given): string | undefined {
  if (first.value === undefined || second.value === undefined || first.value === second.value) return first.value ?? second.value;
  const en = (g: Given) => g.label?.en ?? `'${g.name}'`;
  const da = (g: Given) => g.label?.da ?? `'${g.name}'`;
  throw FhirError.invalid(`${en(first)} is '${excerpt(first.value)}' and ${en(second)} is '${excerpt(second.value)}': give one of them, or the same in both`, {
    expression: [first.name, second.name],
    da: `${da(first)} er '${excerpt(first.value)}' og ${da(second)} er '${excerpt(second.value)}': giv én af dem, eller samme værdi i begge`,
  });
}

/** The version in a canonical parameter's `url|version`, as a message names it beside the version parameter. */
export function versionInUrl(name: string, value: string | undefined): Given {
  return { name, value, label: { en: `the version in '${name}'`, da: `versionen i '${name}'` } };
}
