/**
 * FHIR's base64Binary (R4 datatypes.html): base64 (RFC 4648 §4), whitespace allowed between its characters, `=`
 * padding (at most two) only at the end. Node's `Buffer.from(text, 'base64')` skips what is not base64 without a
 * word (`!!!` decodes to no bytes at all), so a value is checked before it is decoded. The pattern takes time linear
 * in the text: no part of it can match what another part matched (a 10 MB value of spaces is refused in milliseconds).
 */
const BASE64_BINARY = /^[A-Za-z0-9+/\s]*(?:=\s*){0,2}$/;

/** Whether a text is a base64Binary value (see above). */
export function isBase64Binary(text: string): boolean {
  return BASE64_BINARY.test(text);
}
