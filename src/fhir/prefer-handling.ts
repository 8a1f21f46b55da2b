/**
 * The `handling` preference of a Prefer header (RFC 7240 §4.4; FHIR R4 search §3.1.1.3): `strict` asks for an error
 * on unknown or unsupported parameters, `lenient` for them to be ignored; undefined when the header names neither.
 * Of a preference given more than once the first counts (RFC 7240 §2).
 */
export function handlingPreference(prefer: string | string[] | undefined): 'strict' | 'lenient' | undefined {
  if (prefer === undefined) return undefined;
  const m = /(?:^|[,;\s])handling\s*=\s*"?(strict|lenient)\b/i.exec(Array.isArray(prefer) ? prefer.join(',') : prefer);
  return m ? (m[1]!.toLowerCase() as 'strict' | 'lenient') : undefined;
}

/** `Prefer: return=…` of a write (RFC 7240 §4.2): the resource written unless the header asks for less or an OperationOutcome. */
export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

export function returnPreference(prefer: string | string[] | undefined): PreferReturn {
  const m = /return=(minimal|representation|OperationOutcome)/i.exec(Array.isArray(prefer) ? prefer.join(',') : prefer ?? '');
  const v = m?.[1]!.toLowerCase();
  return v === 'minimal' ? 'minimal' : v === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}
