import type { Coding } from 'fhir/r4';
import { messageString, type Bilingual, type Language } from '../../errors/issue';
import { ByteWriter } from '../../fhir/byte-writer';
import { SerializedResource, SerializedText } from '../../fhir/serialized';
import { BoundedMap } from '../../terminology/bounded-map';
import type { ElementJson } from '../../terminology/packed/map-sources';
import type { Match } from './translator';

/**
 * A $translate answer written from its parts: byte for byte JSON.stringify of the Parameters (result, message, a
 * `match` per match with equivalence, concept, product, source, originMap and replaces), without building that tree first.
 * Only the values are serialized, the names and the structure around them are constant text, and the code and
 * display a map's element prepared (Match.elementJson) are copied as they are: the matches of one map differ only
 * there, so the text around them is encoded once for all of them.
 */
export function translateAnswer(result: boolean, message: string | Bilingual | undefined, matches: readonly Match[], lang: Language = 'en'): SerializedText | SerializedResource {
  const out = new AnswerText();
  out.add(`{"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":${result}}`);
  if (message !== undefined) out.add(`,${JSON.stringify({ name: 'message', ...messageString(message, lang) })}`);
  for (const m of matches) out.match(m);
  out.add(']}');
  return out.done();
}

const REPEATED = new BoundedMap<unknown, string>(1000);

/** JSON text, written as UTF-8 bytes from the first element's JSON on: the answer as text when there is none. */
class AnswerText {
  private text = '';
  private bytes?: ByteWriter;
  /** The last match written around its element's JSON, and the bytes before and after that. */
  private around?: { match: Match; before: Buffer; after: Buffer };

  add(text: string): void {
    this.text += text;
  }

  /** JSON.stringify of a value the matches repeat (systems, versions, equivalences, maps): kept across answers. */
  json(value: unknown): string {
    let json = REPEATED.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      REPEATED.set(value, json);
    }
    return json;
  }

  /** A match, with the comma before it. */
  match(m: Match): void {
    if (!m.elementJson) {
      this.add(matchJson(this, m).join(''));
      return;
    }
    if (!this.around || !sameAround(this.around.match, m)) {
      const [before, after] = matchJson(this, m);
      this.around = { match: m, before: Buffer.from(before, 'utf8'), after: Buffer.from(after, 'utf8') };
    }
    this.bytes ??= new ByteWriter();
    if (this.text.length > 0) {
      this.bytes.writeText(this.text);
      this.text = '';
    }
    this.bytes.write(this.around.before);
    this.bytes.writeRange(m.elementJson.bytes, m.elementJson.start, m.elementJson.end);
    this.bytes.write(this.around.after);
  }

  done(): SerializedText | SerializedResource {
    if (!this.bytes) return new SerializedText(this.text);
    this.bytes.writeText(this.text);
    return new SerializedResource([this.bytes.take()]);
  }
}

/** Whether two matches with an element's JSON differ only there (and so have the same JSON around it). */
function sameAround(a: Match, b: Match): boolean {
  return a.equivalence === b.equivalence && a.originMap === b.originMap && a.replaces === b.replaces && a.product === b.product &&
    sameCoding(a.concept, b.concept, !a.source) &&
    (a.source === b.source || (a.source !== undefined && b.source !== undefined && sameCoding(a.source, b.source, true)));
}

/** Same system and version, and (unless the element's JSON gives them) the same code and display. */
function sameCoding(a: Coding, b: Coding, fromElement: boolean): boolean {
  return a.system === b.system && a.version === b.version && (fromElement || (a.code === b.code && a.display === b.display));
}

/** `{"name":"…","<field>":…}` as JSON.stringify writes it: the value left out when it is undefined. */
function valueParameter(out: AnswerText, name: string, field: string, value: unknown): string {
  return value === undefined ? `{"name":"${name}"}` : `{"name":"${name}","${field}":${out.json(value)}}`;
}

/** A match's JSON with the comma before it: the text before its element's code and display and the text after (all of it before, without). */
function matchJson(out: AnswerText, m: Match): [string, string] {
  const text: [string, string] = [',{"name":"match","part":[', ''];
  let at = 0;
  const coding = (c: Coding, element: ElementJson | undefined) => {
    const [head, tail] = codingJson(out, c, element !== undefined);
    text[at] += head;
    if (element) at = 1;
    text[at] += tail;
  };
  if (m.equivalence) text[at] += `${valueParameter(out, 'equivalence', 'valueCode', m.equivalence)},`;
  text[at] += '{"name":"concept","valueCoding":';
  coding(m.concept, m.source ? undefined : m.elementJson);
  text[at] += '}';
  for (const p of m.product ?? []) {
    text[at] += `,{"name":"product","part":[${valueParameter(out, 'element', 'valueUri', p.element)},{"name":"concept","valueCoding":`;
    coding(p.concept, undefined);
    text[at] += '}]}';
  }
  if (m.source) {
    text[at] += ',{"name":"source","valueCoding":';
    coding(m.source, m.elementJson);
    text[at] += '}';
  }
  if (m.originMap) text[at] += `,${valueParameter(out, 'originMap', 'valueCanonical', m.originMap)}`;
  if (m.replaces) {
    const { status, ...replaced } = m.replaces;
    text[at] += ',{"name":"replaces","part":[{"name":"concept","valueCoding":';
    coding(replaced, undefined);
    text[at] += `},${valueParameter(out, 'status', 'valueCode', status)}]}`;
  }
  text[at] += ']}';
  return text;
}

/**
 * A match's coding as JSON.stringify writes it: the codings of a match have (some of) system, version, code and
 * display, in this order (see Match). With `cut`, the text before and after its code and display (which an element's
 * JSON gives), else all of it and ''.
 */
function codingJson(out: AnswerText, c: Coding, cut: boolean): [string, string] {
  let json = '{';
  let comma = '';
  if (c.system !== undefined) {
    json += `"system":${out.json(c.system)}`;
    comma = ',';
  }
  if (c.version !== undefined) {
    json += `${comma}"version":${out.json(c.version)}`;
    comma = ',';
  }
  if (cut) return [`${json}${comma}`, '}'];
  if (c.code !== undefined) {
    json += `${comma}"code":${JSON.stringify(c.code)}`;
    comma = ',';
  }
  if (c.display !== undefined) json += `${comma}"display":${JSON.stringify(c.display)}`;
  return [`${json}}`, ''];
}
