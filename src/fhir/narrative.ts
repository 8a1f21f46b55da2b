import type { Bilingual } from '../errors/issue';
import { excerpt } from '../errors/excerpt';
import { walkJson } from './json-walk';
import { isJsonObject } from './json-object';

/**
 * FHIR R4's rules for a narrative's `div` (narrative.html; Narrative.div's invariants txt-1 and txt-2): XHTML, one
 * `<div>` in the XHTML namespace, holding only the basic formatting elements and attributes (HTML 4.0 chapters 7-11
 * except 9.4, and 15), `<a>` with name or href, images and style attributes: no scripts, forms, event handlers or
 * other active content; and some non-whitespace content. The elements and attributes allowed are those HL7's
 * validator allows (org.hl7.fhir.validation XhtmlValidator); a link or image to a `javascript:` or `vbscript:` URL is
 * refused too, as active content. Checked for every write and by `$validate`, for each narrative of a resource (its
 * own, its contained resources', a Bundle's entries').
 */

/**
 * The XML parser (sax, strict): reports where a div is not well-formed XML. Its namespace mode is not used: its
 * bookkeeping of prefixes and attributes takes time quadratic in the nesting and the attributes (a 65 KB div of
 * 2,000 elements declaring a prefix each took 20 s); a narrative has one namespace, whose declarations are read here.
 */
interface SaxModule {
  parser(strict: boolean, options: { xmlns: boolean }): SaxParser;
}
interface SaxParser {
  onerror: (e: Error) => void;
  onopentag: (node: { name: string; attributes: Record<string, string> }) => void;
  onclosetag: () => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  onprocessinginstruction: () => void;
  ondoctype: () => void;
  onsgmldeclaration: () => void;
  write(text: string): SaxParser;
  close(): SaxParser;
}

let sax: SaxModule | undefined;

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

const ELEMENTS = new Set([
  'p', 'br', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'span', 'b', 'em', 'i', 'strong', 'small', 'big', 'tt', 'dfn', 'q',
  'var', 'abbr', 'acronym', 'cite', 'blockquote', 'hr', 'address', 'bdo', 'kbd', 'sub', 'sup', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'pre', 'table', 'caption', 'colgroup', 'col', 'thead', 'tr', 'tfoot', 'tbody', 'th', 'td', 'code', 'samp', 'img', 'map', 'area',
]);
/** Attributes allowed on every element. */
const ATTRIBUTES = new Set([
  'title', 'style', 'class', 'id', 'lang', 'xml:lang', 'xml:space', 'dir', 'accesskey', 'tabindex',
  'span', 'width', 'align', 'valign', 'char', 'charoff', 'abbr', 'axis', 'headers', 'scope', 'rowspan', 'colspan',
]);
/** Attributes allowed on one element, as `element.attribute`. */
const ELEMENT_ATTRIBUTES = new Set([
  'a.href', 'a.name', 'a.charset', 'a.type', 'a.hreflang', 'a.rel', 'a.rev', 'a.shape', 'a.coords',
  'img.src', 'img.border', 'img.alt', 'img.longdesc', 'img.height', 'img.width', 'img.usemap', 'img.ismap',
  'blockquote.cite', 'q.cite', 'map.name', 'area.shape', 'area.coords', 'area.href', 'area.nohref', 'area.alt',
  'table.summary', 'table.width', 'table.border', 'table.frame', 'table.rules', 'table.cellspacing', 'table.cellpadding',
  'pre.space', 'td.nowrap',
]);
/** The attributes that hold a URL a browser follows or loads. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc', 'usemap']);
/** A scripting URL, however written: browsers skip whitespace and control characters in the scheme and ignore case. */
const SCRIPT_URL = /^(?:javascript|vbscript):/i;
const IGNORED_IN_SCHEME = /[\u0000-\u0020\u007f-\u009f]/g;
/** Script in a style attribute: old browsers ran `expression(…)` and `javascript:` URLs in CSS. */
const SCRIPT_IN_STYLE = /expression\s*\(|javascript\s*:|vbscript\s*:/i;

export interface NarrativeProblem {
  /** The div's path, e.g. `CodeSystem.text.div`. */
  path: string;
  text: Bilingual;
}

/**
 * What breaks FHIR's rules in one narrative div, in both languages (one problem: the first found), or undefined.
 * A div that is not a string or is empty is the schema's and the primitive rule's to report.
 */
export function narrativeDivProblem(div: string): Bilingual | undefined {
  let problem: Bilingual | undefined;
  let depth = 0;
  let roots = 0;
  let content = false;
  const fail = (text: Bilingual): void => {
    problem ??= text;
  };
  sax ??= require('sax') as SaxModule; // eslint-disable-line @typescript-eslint/no-require-imports
  const parser = sax.parser(true, { xmlns: false });
  parser.onerror = (e) => {
    fail({
      en: `The narrative is not well-formed XHTML: ${e.message.split('\n')[0]}`,
      da: `Den fortællende tekst (text.div) er ikke gyldig XHTML: ${e.message.split('\n')[0]}`,
    });
    throw e; // stops the parser
  };
  const checkAttribute = (name: string, value: string): void => {
    if (URL_ATTRIBUTES.has(name) && SCRIPT_URL.test(value.replace(IGNORED_IN_SCHEME, ''))) {
      fail({
        en: `The narrative has a script URL in the attribute '${name}' ('${excerpt(value)}'); a narrative holds no active content`,
        da: `Den fortællende tekst (text.div) har en script-URL i attributten '${name}' ('${excerpt(value)}'); den må ikke indeholde aktivt indhold`,
      });
    }
    if (name === 'style' && SCRIPT_IN_STYLE.test(value)) {
      fail({
        en: `The narrative has script in a style attribute ('${excerpt(value)}'); a narrative holds no active content`,
        da: `Den fortællende tekst (text.div) har script i en style-attribut ('${excerpt(value)}'); den må ikke indeholde aktivt indhold`,
      });
    }
  };
  parser.onopentag = ({ name, attributes }) => {
    // the element's namespace: the XHTML one its root declares, unless it declares another (a prefixed name is no
    // element FHIR allows, whatever its prefix stands for)
    const colon = name.indexOf(':');
    const declared = colon < 0 ? attributes.xmlns : attributes[`xmlns:${name.slice(0, colon)}`] ?? `prefix ${name.slice(0, colon)}:`;
    const uri = declared ?? (depth === 0 ? '' : XHTML_NS);
    if (depth === 0) {
      roots++;
      if (roots > 1 || name !== 'div' || uri !== XHTML_NS) {
        fail({
          en: `The narrative must be one <div xmlns="${XHTML_NS}"> element, not <${excerpt(name)}>${uri === XHTML_NS ? '' : ` in the namespace '${excerpt(uri)}'`}`,
          da: `Den fortællende tekst (text.div) skal være ét <div xmlns="${XHTML_NS}">-element, ikke <${excerpt(name)}>${uri === XHTML_NS ? '' : ` i navnerummet '${excerpt(uri)}'`}`,
        });
      }
    } else if (uri !== XHTML_NS || !ELEMENTS.has(name)) {
      fail({
        en: `The narrative has the element <${excerpt(name)}>${uri === XHTML_NS ? '' : ` (namespace '${excerpt(uri)}')`}, which FHIR does not allow: only basic XHTML formatting, no scripts, forms or other active content`,
        da: `Den fortællende tekst (text.div) har elementet <${excerpt(name)}>${uri === XHTML_NS ? '' : ` (navnerum '${excerpt(uri)}')`}, som FHIR ikke tillader: kun almindelig XHTML-formatering, ingen scripts, formularer eller andet aktivt indhold`,
      });
    }
    for (const a in attributes) {
      checkAttribute(a, attributes[a]!);
      if (a === 'xmlns' || a.startsWith('xmlns:') || ATTRIBUTES.has(a) || ELEMENT_ATTRIBUTES.has(`${name}.${a}`)) continue;
      fail({
        en: `The narrative has the attribute '${excerpt(a)}' on <${excerpt(name)}>, which FHIR does not allow${/^on/i.test(a) ? ' (event handlers are active content)' : ''}`,
        da: `Den fortællende tekst (text.div) har attributten '${excerpt(a)}' på <${excerpt(name)}>, som FHIR ikke tillader${/^on/i.test(a) ? ' (hændelser er aktivt indhold)' : ''}`,
      });
    }
    if (name === 'img') content = true;
    depth++;
  };
  parser.onclosetag = () => {
    depth--;
  };
  parser.ontext = parser.oncdata = (text) => {
    if (/\S/.test(text)) content = true;
  };
  parser.onprocessinginstruction = parser.ondoctype = parser.onsgmldeclaration = () => {
    fail({
      en: 'The narrative has a processing instruction or document type declaration; it must be a <div> element only',
      da: 'Den fortællende tekst (text.div) har en processing instruction eller dokumenttype-erklæring; den skal kun være et <div>-element',
    });
  };
  try {
    parser.write(div).close();
  } catch {
    // the error is recorded by onerror
  }
  if (problem) return problem;
  if (roots === 0) {
    return { en: 'The narrative is not XHTML: it has no <div> element', da: 'Den fortællende tekst (text.div) er ikke XHTML: den har intet <div>-element' };
  }
  if (!content) {
    return {
      en: "Constraint failed: txt-2: 'The narrative SHALL have some non-whitespace content'",
      da: 'Reglen txt-2 er ikke overholdt: den fortællende tekst (text.div) skal have noget indhold, ikke kun mellemrum',
    };
  }
  return undefined;
}

/**
 * Every narrative of a JSON resource that breaks FHIR's rules, with the div's path from `root` (`CodeSystem.text.div`,
 * `ValueSet.contained[0].text.div`, `Bundle.entry[2].resource.text.div`). A narrative is an object under `text`
 * (elsewhere in R4 `text` is a string): the resource's, a contained or entry resource's, a Composition section's.
 */
export function narrativeProblems(value: unknown, root: string): NarrativeProblem[] {
  const out: NarrativeProblem[] = [];
  walkJson(value, root, (v, path) => {
    const narrative = isJsonObject(v) ? v.text : undefined;
    const div = narrative !== null && typeof narrative === 'object' ? (narrative as { div?: unknown }).div : undefined;
    if (typeof div !== 'string' || div.length === 0) return;
    const text = narrativeDivProblem(div);
    if (text) out.push({ path: `${path()}.text.div`, text });
  });
  return out;
}
