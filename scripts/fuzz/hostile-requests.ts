/**
 * Seeded generator of hostile HTTP requests across every endpoint: malformed JSON, wrong resource types, wrong
 * value types, huge strings, deep nesting, invalid UTF-8, control characters, injection attempts in ids and urls,
 * duplicate parameters, wrong methods and content types. Used by the fuzz test and the long fuzz script.
 */
import { prng } from '../prng';

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  kind: string;
}

export { prng };

const FSIII = 'urn:oid:1.2.208.176.2.21';
const OPS = [
  'CodeSystem/$lookup', 'CodeSystem/$validate-code', 'CodeSystem/$subsumes', 'ValueSet/$expand',
  'ValueSet/$validate-code', 'ValueSet/$batch-validate-code', 'ConceptMap/$translate', 'ConceptMap/$coverage',
  'CodeSystem/FSIII/$lookup', 'ValueSet/indsatskatalog-119/$expand', 'ValueSet/indsatskatalog-119/$validate-code',
  '$validate', 'Bundle/$validate', 'CodeSystem/$validate', 'ConceptMap/$rollup', 'ConceptMap/$export',
];
const READS = ['CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition', 'CodeSystem/FSIII', 'ValueSet/KLInterventionCodes119',
  'CodeSystem/FSIII/_history', 'metadata', 'Patient', '', 'CodeSystem/FSIII/_history/1'];
const PARAM_NAMES = ['code', 'system', 'version', 'url', 'valueSet', 'coding', 'codeableConcept', 'display', 'filter', 'count',
  'offset', 'activeOnly', 'property', 'displayLanguage', 'codeA', 'codeB', 'target', 'source', 'reverse', 'tx-resource',
  '_count', '_summary', 'name', 'identifier', 'mode', 'profile', 'resource', 'abstract', 'inferSystem', 'zzz',
  'row', 'csv', 'offers', 'conditionDepth', 'layout', 'kommunekode', 'conceptMap', '_format'];

const NASTY_STRINGS = [
  "' OR '1'='1", '1; DROP TABLE resources; --', '../../../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%00', '\u0000',
  '<script>alert(1)</script>', '${jndi:ldap://x}', '{{7*7}}', 'a'.repeat(70_000), '\u202e\u200b\ufeff', '🙂'.repeat(500),
  '|', '||', 'urn:oid:', 'http://', 'urn:oid:1.2.208.176.2.21|', '-1', '1e309', 'NaN', 'true', 'null', '[]', '{}',
  '\r\nX-Injected: 1', '%E0%A4%A', '%C3%28', '%FF%FE', 'æøå', '((((((((((a*)*)*)*)*)*)*)*)*)*)!',
  FSIII, `${FSIII}|20240530`, 'c203c6b5-3be0-40a8-8204-e93751deabf5', 'H1.1',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function deepNesting(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function randomValue(r: () => number): unknown {
  const k = Math.floor(r() * 9);
  switch (k) {
    case 0: return pick(r, NASTY_STRINGS);
    case 1: return Math.floor(r() * 1e12) * (r() < 0.5 ? -1 : 1);
    case 2: return r() < 0.5;
    case 3: return null;
    case 4: return [pick(r, NASTY_STRINGS), 1, {}];
    case 5: return { resourceType: pick(r, ['ValueSet', 'CodeSystem', 'Patient', 42, '']), id: pick(r, NASTY_STRINGS) };
    case 6: return { system: pick(r, NASTY_STRINGS), code: randomValue(r) };
    case 7: return 1.5;
    default: return 'x'.repeat(Math.floor(r() * 5000));
  }
}

function randomParametersBody(r: () => number): unknown {
  const n = Math.floor(r() * 6);
  const parameter: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const name = pick(r, PARAM_NAMES);
    const field = pick(r, ['valueString', 'valueCode', 'valueUri', 'valueBoolean', 'valueInteger', 'valueCoding',
      'valueCodeableConcept', 'resource', 'part', 'valueDecimal', 'valueFoo']);
    parameter.push(r() < 0.1 ? randomValue(r) : { name: r() < 0.05 ? randomValue(r) : name, [field]: randomValue(r) });
  }
  const shape = Math.floor(r() * 10);
  if (shape === 0) return { resourceType: 'Parameters', parameter: randomValue(r) };
  if (shape === 1) return { resourceType: pick(r, ['Patient', 'Bundle', 'ValueSet', '', 7]), parameter };
  if (shape === 2) return [parameter];
  if (shape === 3) return { resourceType: 'Bundle', type: pick(r, ['batch', 'collection', 'transaction', 'x']), entry: [{ resource: randomValue(r) }, randomValue(r)] };
  return { resourceType: 'Parameters', parameter };
}

function query(r: () => number): string {
  const n = Math.floor(r() * 5);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = pick(r, PARAM_NAMES);
    const value = pick(r, NASTY_STRINGS);
    const raw = r() < 0.3 ? value : encodeURIComponent(value);
    parts.push(`${r() < 0.1 ? encodeURIComponent(pick(r, NASTY_STRINGS).slice(0, 50)) : name}=${raw}`);
    if (r() < 0.2) parts.push(`${name}=${encodeURIComponent(pick(r, NASTY_STRINGS))}`); // duplicate
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** A batch Bundle of hostile entries: operations and reads with nasty queries, wrong methods, odd resources. */
function hostileBatch(r: () => number): unknown {
  const entry = Array.from({ length: Math.floor(r() * 6) }, () => (r() < 0.1 ? randomValue(r) : {
    request: { method: pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 42]), url: r() < 0.1 ? randomValue(r) : `${pick(r, [...OPS, ...READS])}${query(r)}` },
    ...(r() < 0.5 ? { resource: r() < 0.5 ? randomParametersBody(r) : randomValue(r) } : {}),
  }));
  return { resourceType: 'Bundle', type: 'batch', entry: r() < 0.1 ? randomValue(r) : entry };
}

/** A text/csv body for $rollup: a header of sorts and rows of nasty values. */
function hostileCsv(r: () => number): string {
  const header = pick(r, ['kommunekode,system,code,count', 'kommunekode;system;kode;antal;periode', 'a,b', '', '"unclosed']);
  const rows = Array.from({ length: Math.floor(r() * 5) }, () =>
    Array.from({ length: 3 + Math.floor(r() * 3) }, () => pick(r, [...NASTY_STRINGS.slice(0, 12), '101', FSIII, '7', '-1', '"'])).join(pick(r, [',', ';'])));
  return [header, ...rows].join(pick(r, ['\n', '\r\n', '\r']));
}

/** The i-th hostile request of a seeded sequence. */
export function hostileRequest(r: () => number, basePath = '/fhir'): HostileRequest {
  const kind = Math.floor(r() * 14);
  const op = pick(r, OPS);
  const json = { 'Content-Type': 'application/fhir+json' };
  switch (kind) {
    case 0: return { kind: 'get-op', method: 'GET', path: `${basePath}/${op}${query(r)}`, headers: {} };
    case 1: return { kind: 'post-params', method: 'POST', path: `${basePath}/${op}`, headers: json, body: Buffer.from(JSON.stringify(randomParametersBody(r))) };
    case 2: {
      const text = pick(r, ['{', '{"resourceType":', '[1,2', 'null', '"x"', '{"a":1}}', '\u0000', '', '{"resourceType":"Parameters","parameter":[{]}']);
      return { kind: 'malformed-json', method: 'POST', path: `${basePath}/${op}`, headers: json, body: Buffer.from(text) };
    }
    case 3: return { kind: 'deep-nesting', method: 'POST', path: `${basePath}/${op}`, headers: json, body: Buffer.from(deepNesting(1000 + Math.floor(r() * 20000))) };
    case 4: {
      const bytes = Buffer.from([0x7b, 0x22, 0x72, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]);
      return { kind: 'invalid-utf8', method: 'POST', path: `${basePath}/${op}`, headers: json, body: bytes };
    }
    case 5: {
      const ct = pick(r, ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/fhir+json; charset=latin1', '', 'application/json']);
      return { kind: 'content-type', method: 'POST', path: `${basePath}/${op}`, headers: ct ? { 'Content-Type': ct } : {}, body: Buffer.from('{"resourceType":"Parameters"}') };
    }
    case 6: return { kind: 'method', method: pick(r, ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']), path: `${basePath}/${op}`, headers: json, body: Buffer.from('{}') };
    case 7: {
      const id = pick(r, NASTY_STRINGS).slice(0, 2000);
      const segment = r() < 0.5 ? encodeURIComponent(id) : id.replace(/[^\x21-\x7e]/g, '');
      return { kind: 'id-injection', method: pick(r, ['GET', 'PUT', 'DELETE']), path: `${basePath}/${pick(r, ['CodeSystem', 'ValueSet', 'ConceptMap'])}/${segment}`, headers: json, body: Buffer.from(JSON.stringify(randomValue(r))) };
    }
    case 8: return { kind: 'search', method: 'GET', path: `${basePath}/${pick(r, READS)}${query(r)}`, headers: {} };
    case 9: return { kind: 'huge-string', method: 'POST', path: `${basePath}/${op}`, headers: json, body: Buffer.from(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: pick(r, PARAM_NAMES), valueString: 'ø'.repeat(200_000 + Math.floor(r() * 300_000)) }] })) };
    case 10: return { kind: 'write', method: pick(r, ['POST', 'PUT']), path: `${basePath}/${pick(r, ['CodeSystem', 'ConceptMap', 'ValueSet'])}${r() < 0.5 ? '/x' : ''}`, headers: { ...json, Authorization: pick(r, ['Bearer x', 'Bearer ', 'Basic YTpi', 'Bearer eyJhbGciOiJub25lIn0.eyJrb21tdW5la29kZSI6IjM3MCJ9.']) }, body: Buffer.from(JSON.stringify(randomValue(r))) };
    case 12: return { kind: 'batch', method: 'POST', path: basePath, headers: json, body: Buffer.from(JSON.stringify(hostileBatch(r))) };
    case 13: return { kind: 'csv', method: 'POST', path: `${basePath}/${pick(r, ['ConceptMap/$rollup', 'ConceptMap/$translate', 'CodeSystem'])}${query(r)}`,
      headers: { 'Content-Type': pick(r, ['text/csv', 'text/csv; charset=utf-8', 'text/csv; charset=latin1']), Accept: pick(r, ['text/csv', '*/*', 'application/x-ndjson']) },
      body: Buffer.from(hostileCsv(r)) };
    default: return { kind: 'header', method: 'GET', path: `${basePath}/${op}${query(r)}`, headers: { 'Accept-Language': pick(r, NASTY_STRINGS).slice(0, 1000).replace(/[^\x20-\x7e]/g, ''), Accept: pick(r, ['application/xml', '*/*', 'text/html', 'application/fhir+json;fhirVersion=9', 'text/csv', 'application/x-ndjson']), 'If-Match': 'W/"x"' } };
  }
}
