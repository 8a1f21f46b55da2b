/**
 * The value of one preference of a Prefer header (RFC 7240 §2): the header is a comma-separated list of preferences,
 * each `name[=value]` followed by `;`-separated parameters of its own; a value is a token or a quoted-string
 * (`return="minimal"`), given here without its quotes. Names are case-insensitive; of a preference given more than
 * once the first counts. Undefined when the header does not name it.
 */
export function preferenceValue(prefer: string | string[] | undefined, name: string): string | undefined {
  if (prefer === undefined) return undefined;
  const text = Array.isArray(prefer) ? prefer.join(',') : prefer;
  // a preference, then its parameters; a quoted-string may hold `,` and `;`
  const item = /\s*([^=,;\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,;\s]*))?\s*((?:;(?:[^",]|"(?:[^"\\]|\\.)*")*)?)(?:,|$)/gy;
  const wanted = name.toLowerCase();
  while (item.lastIndex < text.length) {
    const at = item.lastIndex;
    const m = item.exec(text);
    if (!m) {
      // not a preference as RFC 7240 writes one: skip to the next comma
      const comma = text.indexOf(',', at);
      if (comma < 0) return undefined;
      item.lastIndex = comma + 1;
      continue;
    }
    if (m[1]!.toLowerCase() !== wanted) continue;
    const value = m[2] ?? '';
    return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return undefined;
}

/**
 * The `handling` preference of a Prefer header (RFC 7240 §4.4; FHIR R4 search §3.1.1.3): `strict` asks for an error
 * on unknown or unsupported parameters, `lenient` for them to be ignored; undefined when the header names neither.
 */
export function handlingPreference(prefer: string | string[] | undefined): 'strict' | 'lenient' | undefined {
  const v = preferenceValue(prefer, 'handling')?.toLowerCase();
  return v === 'strict' || v === 'lenient' ? v : undefined;
}

/** `Prefer: return=…` of a write (RFC 7240 §4.2): the resource written unless the header asks for less or an OperationOutcome. */
export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

export function returnPreference(prefer: string | string[] | undefined): PreferReturn {
  const v = preferenceValue(prefer, 'return')?.toLowerCase();
  return v === 'minimal' ? 'minimal' : v === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}
