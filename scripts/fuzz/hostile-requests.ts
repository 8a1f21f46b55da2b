/**
 * Seeded generator of hostile HTTP requests across every endpoint: malformed JSON, wrong resource types, wrong
 * value types, huge strings, deep nesting, invalid UTF-8, control characters, injection attempts in ids and urls,
 * duplicate parameters, wrong methods and content types, odd conditional headers, many distinct parameter names, CodeableConcepts of many
 * codings, wide and long CSV imports, and tokens (signed with the development secret) carrying odd claim values.
 * Used by the fuzz test and the long fuzz script.
 */
import { createHmac } from 'node:crypto';
import { DEV_JWT_SECRET } from '../../src/auth/auth-config';
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
  '$validate', 'Bundle/$validate', 'CodeSystem/$validate', 'ConceptMap/$rollup', 'ConceptMap/$export', 'ConceptMap/$coverage-matrix',
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

/** Odd values of a token's kommunekode claim: other digits, letters, objects, control characters. */
const ODD_CLAIMS: unknown[] = [
  '١٠١', '１０１', 'æøå', '101\r\nX-Injected: 1', '10"1', '10\\1', '\u0000', { toString: '101' }, ['101'], true, 1e21, -1, 101.5,
  'a'.repeat(5000), '🙂', '', ' 101', '101 ', '0101', {}, '\u202e101',
];

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An HS256 token signed with the development secret (what a server without a configured key accepts outside production). */
export function developmentToken(claims: Record<string, unknown>): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', DEV_JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/** A Parameters body of many parameters: distinct unknown names, or one repeating name. */
function manyParameters(r: () => number): unknown {
  // mostly a few thousand; one in ten beyond MAX_PARAMETERS' default (20,000)
  const n = r() < 0.1 ? 20_001 + Math.floor(r() * 10_000) : 100 + Math.floor(r() * 3000);
  const repeated = r() < 0.3 ? pick(r, ['system-version', 'tx-resource', 'property', 'designation', 'validation', 'code']) : undefined;
  return {
    resourceType: 'Parameters',
    parameter: Array.from({ length: n }, (_, i) => ({ name: repeated ?? `p${i}`, valueString: `v${i}` })),
  };
}

/** A CodeableConcept of many codings (unknown codes, each an issue). */
function manyCodings(r: () => number): unknown {
  const n = 100 + Math.floor(r() * 1500);
  const coding = Array.from({ length: n }, (_, i) => ({ system: r() < 0.9 ? FSIII : `urn:x:${i}`, code: `c${i}` }));
  return { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119' }, { name: 'codeableConcept', valueCodeableConcept: { coding } }] };
}

/**
 * A CSV for $import-local: a very wide header, many short (bad) rows, or many rows, sometimes with a parameter twice;
 * sent as the parameter `csv` of a Parameters body, or as a text/csv body with the other parameters in the URL.
 */
function hostileCsvImport(r: () => number): { query: string; headers: Record<string, string>; body: Buffer } {
  const shape = Math.floor(r() * 3);
  const header = 'kode;titel;type;maal';
  let csv: string;
  const columns = r() < 0.2 ? 100 + Math.floor(r() * 50_000) : 1 + Math.floor(r() * 150);
  const rows = r() < 0.1 ? 10_001 + Math.floor(r() * 5000) : 100 + Math.floor(r() * 1000);
  if (shape === 0) csv = `${header};${Array.from({ length: columns }, (_, i) => `x${i}`).join(';')}\n101-A;A;indsats;Kostvejledning`;
  else if (shape === 1) csv = [header, ...Array.from({ length: rows }, (_, i) => `101-R${i};R`)].join('\n');
  else csv = [header, ...Array.from({ length: rows }, (_, i) => `101-R${i};R${i};${pick(r, ['indsats', 'tilbud', 'x'])};Kostvejledning`)].join('\n');
  const parameter: { name: string; valueString: string }[] = [{ name: 'name', valueString: 'fuzz' }];
  if (r() < 0.2) parameter.push({ name: pick(r, ['kommunekode', 'name', 'version', 'csv']), valueString: '101' });
  if (r() < 0.5) {
    return { query: '', headers: { 'Content-Type': 'application/fhir+json' }, body: Buffer.from(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }, ...parameter] })) };
  }
  const charset = pick(r, ['', '; charset=utf-8', '; charset=windows-1252', '; charset=x-unknown']);
  return {
    query: `?${parameter.map((p) => `${p.name}=${encodeURIComponent(p.valueString)}`).join('&')}`,
    headers: { 'Content-Type': `text/csv${charset}` },
    body: Buffer.from(csv, charset.includes('1252') && r() < 0.5 ? 'latin1' : 'utf8'),
  };
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
function hostileRollupCsv(r: () => number): string {
  const header = pick(r, ['kommunekode,system,code,count', 'kommunekode;system;kode;antal;periode', 'a,b', '', '"unclosed']);
  const rows = Array.from({ length: Math.floor(r() * 5) }, () =>
    Array.from({ length: 3 + Math.floor(r() * 3) }, () => pick(r, [...NASTY_STRINGS.slice(0, 12), '101', FSIII, '7', '-1', '"'])).join(pick(r, [',', ';'])));
  return [header, ...rows].join(pick(r, ['\n', '\r\n', '\r']));
}

/** The i-th hostile request of a seeded sequence. */
export function hostileRequest(r: () => number, basePath = '/fhir'): HostileRequest {
  const kind = Math.floor(r() * 18);
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
    case 12: return { kind: 'many-params', method: 'POST', path: `${basePath}/${op}`, headers: json, body: Buffer.from(JSON.stringify(manyParameters(r))) };
    case 13: return { kind: 'many-codings', method: 'POST', path: `${basePath}/${pick(r, ['ValueSet/$validate-code', 'CodeSystem/$validate-code'])}`, headers: json, body: Buffer.from(JSON.stringify(manyCodings(r))) };
    case 14: {
      const token = developmentToken({ kommunekode: r() < 0.8 ? '101' : pick(r, ODD_CLAIMS) });
      const { query: params, headers, body } = hostileCsvImport(r);
      return { kind: 'csv-import', method: 'POST', path: `${basePath}/CodeSystem/$import-local${params}`, headers: { ...headers, Authorization: `Bearer ${token}` }, body };
    }
    case 15: {
      const token = developmentToken({ kommunekode: pick(r, ODD_CLAIMS), ...(r() < 0.3 ? { scope: pick(r, ODD_CLAIMS) } : {}) });
      const path = pick(r, ['CodeSystem/kommune-101-x', 'ConceptMap/kommune-101-x', 'CodeSystem/$import-local', '']);
      return { kind: 'odd-claims', method: path.includes('$') || path === '' ? 'POST' : 'PUT', path: `${basePath}/${path}`.replace(/\/$/, ''), headers: { ...json, Authorization: `Bearer ${token}` }, body: Buffer.from(JSON.stringify(randomValue(r))) };
    }
    case 16: return { kind: 'batch', method: 'POST', path: basePath, headers: json, body: Buffer.from(JSON.stringify(hostileBatch(r))) };
    case 17: return { kind: 'csv', method: 'POST', path: `${basePath}/${pick(r, ['ConceptMap/$rollup', 'ConceptMap/$translate', 'CodeSystem'])}${query(r)}`,
      headers: { 'Content-Type': pick(r, ['text/csv', 'text/csv; charset=utf-8', 'text/csv; charset=latin1']), Accept: pick(r, ['text/csv', '*/*', 'application/x-ndjson']) },
      body: Buffer.from(hostileRollupCsv(r)) };
    default: return { kind: 'header', method: 'GET', path: `${basePath}/${op}${query(r)}`, headers: { 'Accept-Language': pick(r, NASTY_STRINGS).slice(0, 1000).replace(/[^\x20-\x7e]/g, ''), Accept: pick(r, ['application/xml', '*/*', 'text/html', 'application/fhir+json;fhirVersion=9', 'text/csv', 'application/x-ndjson']), 'If-Match': 'W/"x"',
      'If-None-Match': pick(r, ['*', 'W/', '"', ',,,', 'W/"sha256-x", *', `${'W/"x", '.repeat(1000)}"y"`, ...NASTY_STRINGS]).slice(0, 8000).replace(/[^\x20-\x7e]/g, '') } };
  }
}
