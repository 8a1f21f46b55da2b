import type { FhirError } from '../errors/fhir-error';
import { canonical, parseCanonical } from './canonical';
import type { TerminologyRegistry } from './registry';
import { type Message, msg, txError } from './validation/messages';

/**
 * A code system named by url (and version) that is a supplement, which cannot stand for a code system: the error
 * saying so ($lookup, $subsumes, $expand; $validate-code reports the same message as a result), or undefined when the
 * url is no supplement.
 */
export function supplementAsSystemError(registry: TerminologyRegistry, url: string, version?: string, expression?: string[]): FhirError | undefined {
  const supplement = registry.findSupplement(url, version);
  if (!supplement) return undefined;
  return txError(400, 'invalid', msg.supplementAsSystem(canonical(url, supplement.version)), { txIssueType: 'invalid-data', ...(expression ? { expression } : {}) });
}

/**
 * Supplements the request or the value set requires that no code system used carries: those not known, and those
 * known as supplements of another code system than the ones used (`used`, url|version), each said as it is.
 */
export function missingSupplementsError(registry: TerminologyRegistry, missing: readonly string[], used: readonly string[]): FhirError {
  const unknown: string[] = [];
  const elsewhere: Message[] = [];
  for (const required of missing) {
    const { url, version } = parseCanonical(required);
    const supplement = registry.findSupplement(url, version);
    if (supplement?.supplements) elsewhere.push(msg.supplementForOtherSystem(required, supplement.supplements, [...new Set(used)]));
    else unknown.push(required);
  }
  const [first, ...more] = unknown.length > 0 ? [msg.supplementMissing(unknown), ...elsewhere] : elsewhere;
  return txError(404, 'not-found', first!, {
    txIssueType: 'not-found',
    ...(more.length > 0 ? { extraIssues: more.map((m) => ({ severity: 'error' as const, code: 'not-found' as const, txIssueType: 'not-found' as const, ...m })) } : {}),
  });
}
