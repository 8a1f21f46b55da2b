import { excerpt } from '../errors/excerpt';
import type { Issue } from '../errors/issue';
import { walkElements } from '../fhir/base-elements';
import { isJsonObject } from '../fhir/json-object';
import { R4_EXTENSIONS, R4_MODIFIER_EXTENSIONS } from '../fhir/r4-extensions';
import { LEGACY_CODE_MAP_EXTENSION } from '../terminology/resource-kinds';
import { KL_EXTENSIONS, klGuideOf } from './kl-extensions';
import { KL_PROFILE_EXTENSION } from './profile-registry';
import type { ValidationIssue } from './messages';

type Json = Record<string, unknown>;

/** An extension this server knows, and whether it is a modifier extension (undefined: not known here). */
export interface KnownExtension {
  modifier?: boolean;
}

/** This server's own extensions (on its profiles and its ConceptMap of FSIII's legacy keys); neither is a modifier. */
const OWN_EXTENSIONS: ReadonlySet<string> = new Set([KL_PROFILE_EXTENSION, LEGACY_CODE_MAP_EXTENSION]);

/**
 * The extensions this server knows: R4's (r4-extensions.ts), those of KL's IGs (kl-extensions.ts; none is a modifier
 * extension), its own, and those the loaded profiles name (`profiles`).
 */
export function knownExtension(url: string, profiles: ReadonlySet<string>): KnownExtension | undefined {
  if (R4_EXTENSIONS.has(url)) return { modifier: R4_MODIFIER_EXTENSIONS.has(url) };
  if (KL_EXTENSIONS.has(url) || OWN_EXTENSIONS.has(url)) return { modifier: false };
  return profiles.has(url) ? {} : undefined;
}

/** A url with a scheme (`http:`, `urn:`): absolute. */
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The extension whose url names it (`url`), as an `extension` or a `modifierExtension` (`modifier`) at `at`, inside
 * another extension or not (`nested`): what is wrong with it, if anything.
 */
function extensionIssue(url: string, modifier: boolean, nested: boolean, at: string, known: (url: string) => KnownExtension | undefined): ValidationIssue | undefined {
  const shown = excerpt(url);
  if (!ABSOLUTE.test(url)) {
    // a part of a complex extension is named by a relative url (its name in the extension's definition)
    if (nested) return undefined;
    return {
      severity: 'error', code: 'structure', expression: [at],
      text: {
        en: `The extension url '${shown}' is not absolute: an extension is named by the canonical URL of the StructureDefinition that defines it (FHIR R4, extensibility)`,
        da: `Udvidelsens url '${shown}' er ikke absolut: en udvidelse angives med den kanoniske URL for den StructureDefinition, der definerer den (FHIR R4, extensibility)`,
      },
    };
  }
  const found = known(url);
  if (found) {
    if (found.modifier === undefined || found.modifier === modifier) return undefined;
    return {
      severity: 'error', code: 'structure', expression: [at],
      text: found.modifier
        ? {
          en: `The extension '${shown}' is a modifier extension: it must be sent in modifierExtension, not extension`,
          da: `Udvidelsen '${shown}' er en modifierExtension: den skal sendes i modifierExtension, ikke i extension`,
        }
        : {
          en: `The extension '${shown}' is not a modifier extension: it must be sent in extension, not modifierExtension`,
          da: `Udvidelsen '${shown}' er ikke en modifierExtension: den skal sendes i extension, ikke i modifierExtension`,
        },
    };
  }
  const guide = klGuideOf(url);
  if (guide) {
    const listed = guide.extensions.join(', ');
    return {
      severity: 'error', code: 'structure', expression: [at],
      text: {
        en: `The extension '${shown}' is not defined by KL's implementation guide ${guide.name} (${guide.canonical}), so KL's gateway cannot read it: check the url. That guide's extensions are ${listed}`,
        da: `Udvidelsen '${shown}' er ikke defineret i KL's implementeringsguide ${guide.name} (${guide.canonical}), så KL's gateway kan ikke læse den: ret url'en. Guidens udvidelser er ${listed}`,
      },
    };
  }
  if (modifier) {
    return {
      severity: 'error', code: 'structure', expression: [at],
      text: {
        en: `The modifier extension '${shown}' is not known to this server: a modifier extension changes the meaning of the element it is on, and one that is not understood must not be ignored (FHIR R4, extensibility)`,
        da: `Udvidelsen '${shown}' i modifierExtension kendes ikke af serveren: en modifierExtension ændrer betydningen af det element, den står på, og en, der ikke forstås, må ikke ignoreres (FHIR R4, extensibility)`,
      },
    };
  }
  return {
    severity: 'warning', code: 'structure', expression: [at],
    text: {
      en: `The extension '${shown}' is not known to this server, so it was not checked. KL's gateway validates with HL7's validator, which by default refuses an extension whose definition it does not have`,
      da: `Udvidelsen '${shown}' kendes ikke af serveren og er ikke kontrolleret. KL's gateway validerer med HL7's validator, som normalt afviser en udvidelse, den ikke har definitionen af`,
    },
  };
}

/**
 * Every extension and modifierExtension of one resource (of its elements, data types and primitives; contained and
 * Bundle entry resources are checked on their own), as HL7's validator checks them: the url is absolute (a part of a
 * complex extension excepted); an extension not known here (`known`) under the canonical base of one of KL's IGs is an
 * error (KL_GUIDES lists all of theirs: the url is misspelt), an unknown modifierExtension is an error, any other
 * unknown extension a warning (KL's gateway may know it, or refuse it: the settings of its validator are not published);
 * a known extension is sent as what it is, a modifier extension or not. `reported`: the issues found on the resource so
 * far; an extension with an error at it already (a profile's closed slicing) is not reported again.
 */
export function checkExtensions(resource: Json, type: string, expression: string, known: (url: string) => KnownExtension | undefined, reported: readonly Issue[]): ValidationIssue[] {
  const found: ValidationIssue[] = [];
  walkElements(resource, type, expression, (obj, cursor, at) => {
    for (const key of ['extension', 'modifierExtension'] as const) {
      const list = obj[key];
      if (!Array.isArray(list)) continue;
      list.forEach((x, i) => {
        // an extension without a url is R4's required element missing, one of another type the schema's to report
        if (!isJsonObject(x) || typeof x.url !== 'string' || x.url === '') return;
        const issue = extensionIssue(x.url, key === 'modifierExtension', cursor.base === 'Extension', `${at}.${key}[${i}]`, known);
        if (issue) found.push(issue);
      });
    }
  });
  if (found.length === 0) return found;
  const said = new Set(reported.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => i.expression?.[0]));
  return found.filter((i) => !said.has(i.expression[0]));
}
