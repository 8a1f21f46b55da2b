/**
 * Bad requests, table-driven: each one is answered with a 4xx status and an OperationOutcome whose first issue has
 * the expected issue code. None of them may ever give a 500. Requests a FHIR client would never send (broken JSON,
 * wrong media types, oversized bodies) go over plain HTTP; the rest through fhir-kit-client as well.
 */
import { FSIII } from '../support/catalogs';
import { failure, raw, useRunningServer } from '../support/server';
import { parametersOf as parameters } from '../support/parameters';

const VS = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const BODY_LIMIT = 4096;
const MAX_EXPANSION = 100;
const JSON_TYPE = 'application/fhir+json';

interface Case {
  name: string;
  method?: string;
  path: string;
  body?: unknown;
  /** Sent as is when a string, JSON-serialised otherwise. */
  headers?: Record<string, string>;
  /** Expected status: exact, or any 4xx when not given. */
  status?: number;
  code: string;
  /** The first issue's expression, when the case names the parameter at fault. */
  expression?: string[];
}

const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
const inlineVs = (compose: unknown) => ({ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose } });
const TX_CS = 'http://example.org/cs';
const txCodeSystem = (content: object) => ({ name: 'tx-resource', resource: { resourceType: 'CodeSystem', url: TX_CS, status: 'active', content: 'complete', ...content } });

const CASES: Case[] = [
  // --- missing and conflicting parameters
  { name: '$lookup without a code', path: `/CodeSystem/$lookup${q({ system: FSIII })}`, code: 'invalid' },
  { name: '$lookup of a code without a system (type level)', path: `/CodeSystem/$lookup${q({ code: CODE })}`, code: 'invalid' },
  { name: '$lookup with both code and coding', path: `/CodeSystem/$lookup${q({ system: FSIII, code: CODE, coding: `${FSIII}|${CODE}` })}`, code: 'invalid' },
  { name: '$lookup with code given twice', path: `/CodeSystem/$lookup?system=${FSIII}&code=a&code=b`, code: 'invalid' },
  { name: 'CodeSystem $validate-code without a code system', path: `/CodeSystem/$validate-code${q({ code: CODE })}`, code: 'invalid' },
  {
    name: 'CodeSystem $validate-code whose url and system name two code systems', path: `/CodeSystem/$validate-code${q({ url: FSIII, system: 'http://example.org/other', code: CODE })}`,
    code: 'invalid', expression: ['url', 'system'],
  },
  {
    name: "CodeSystem $validate-code whose url's version and version differ", path: `/CodeSystem/$validate-code${q({ url: `${FSIII}|20240530`, version: '20991231', code: CODE })}`,
    code: 'invalid', expression: ['version', 'url'],
  },
  { name: 'ValueSet $validate-code without a value set', path: `/ValueSet/$validate-code${q({ system: FSIII, code: CODE })}`, code: 'invalid' },
  { name: 'ValueSet $validate-code without a code', path: `/ValueSet/$validate-code${q({ url: VS })}`, code: 'invalid' },
  {
    name: '$expand of a url and a value set of another url', method: 'POST', path: '/ValueSet/$expand',
    body: parameters({ name: 'url', valueUri: VS }, { name: 'valueSet', resource: { resourceType: 'ValueSet', url: 'http://example.org/vs', status: 'active', compose: { include: [{ system: FSIII }] } } }),
    code: 'invalid', expression: ['url', 'valueSet'],
  },
  {
    name: '$expand on an instance with a value set given as well', method: 'POST', path: '/ValueSet/indsatskatalog-119/$expand',
    body: parameters({ name: 'valueSet', resource: { resourceType: 'ValueSet', url: 'http://example.org/vs', status: 'active', compose: { include: [{ system: FSIII }] } } }),
    code: 'invalid', expression: ['valueSet'],
  },
  { name: '$expand without a value set', path: '/ValueSet/$expand', code: 'invalid' },
  { name: '$subsumes without codeB', path: `/CodeSystem/$subsumes${q({ system: FSIII, codeA: CODE })}`, code: 'invalid', expression: ['codeB'] },
  { name: '$subsumes without either code', path: `/CodeSystem/$subsumes${q({ system: FSIII })}`, code: 'invalid', expression: ['codeA', 'codeB'] },
  {
    name: '$subsumes with codingB only', method: 'POST', path: '/CodeSystem/$subsumes',
    body: parameters({ name: 'codingB', valueCoding: { system: FSIII, code: CODE } }), status: 400, code: 'invalid', expression: ['codingA'],
  },
  {
    name: '$subsumes with both codeA and codingA', method: 'POST', path: '/CodeSystem/$subsumes',
    body: parameters({ name: 'system', valueUri: FSIII }, { name: 'codeA', valueCode: CODE }, { name: 'codingA', valueCoding: { system: FSIII, code: 'other' } },
      { name: 'codeB', valueCode: CODE }),
    status: 400, code: 'invalid',
  },
  {
    name: '$subsumes with both codeB and codingB', method: 'POST', path: '/CodeSystem/$subsumes',
    body: parameters({ name: 'system', valueUri: FSIII }, { name: 'codeA', valueCode: CODE }, { name: 'codeB', valueCode: CODE },
      { name: 'codingB', valueCoding: { system: FSIII, code: CODE } }),
    status: 400, code: 'invalid',
  },
  { name: '$subsumes without a system (type level)', path: `/CodeSystem/$subsumes${q({ codeA: CODE, codeB: CODE })}`, code: 'invalid' },
  {
    name: '$subsumes with codings from two code systems', method: 'POST', path: '/CodeSystem/$subsumes',
    body: parameters({ name: 'codingA', valueCoding: { system: FSIII, code: CODE } }, { name: 'codingB', valueCoding: { system: 'urn:oid:1.2.208.176.2.22', code: CODE } }),
    code: 'invalid',
  },
  {
    name: '$subsumes with codings from two versions of the code system', method: 'POST', path: '/CodeSystem/$subsumes',
    body: parameters({ name: 'codingA', valueCoding: { system: FSIII, version: '20240530', code: CODE } }, { name: 'codingB', valueCoding: { system: FSIII, version: '20991231', code: CODE } }),
    code: 'invalid',
  },
  {
    name: '$subsumes with a version and a coding of another version', method: 'POST', path: '/CodeSystem/$subsumes',
    body: parameters({ name: 'system', valueUri: FSIII }, { name: 'version', valueString: '20240530' }, { name: 'codeA', valueCode: CODE },
      { name: 'codingB', valueCoding: { system: FSIII, version: '20991231', code: CODE } }),
    code: 'invalid',
  },
  {
    name: 'a non-repeating parameter twice in a Parameters body', method: 'POST', path: '/ValueSet/$expand',
    body: parameters({ name: 'url', valueUri: VS }, { name: 'url', valueUri: VS }), code: 'invalid',
  },

  // --- unknown code systems, value sets, codes, ids
  { name: '$lookup in an unknown code system', path: `/CodeSystem/$lookup${q({ system: 'http://example.org/no-such-cs', code: 'x' })}`, status: 404, code: 'not-found' },
  { name: '$lookup of an unknown code', path: `/CodeSystem/$lookup${q({ system: FSIII, code: 'no-such-code' })}`, status: 404, code: 'not-found' },
  { name: '$lookup in an unknown version', path: `/CodeSystem/$lookup${q({ system: FSIII, version: '19990101', code: CODE })}`, status: 404, code: 'not-found' },
  { name: '$lookup with an unknown supplement', path: `/CodeSystem/$lookup${q({ system: FSIII, code: CODE, useSupplement: 'http://example.org/no-such-supplement' })}`, status: 404, code: 'not-found' },
  { name: '$expand of an unknown value set', path: `/ValueSet/$expand${q({ url: 'http://example.org/no-such-vs' })}`, status: 404, code: 'not-found' },
  { name: '$expand of an unknown value set version', path: `/ValueSet/$expand${q({ url: `${VS}|9.9.9` })}`, status: 404, code: 'not-found' },
  { name: '$validate-code against an unknown value set', path: `/ValueSet/$validate-code${q({ url: 'http://example.org/no-such-vs', system: FSIII, code: CODE })}`, status: 404, code: 'not-found' },
  { name: '$subsumes with an unknown code', path: `/CodeSystem/$subsumes${q({ system: FSIII, codeA: CODE, codeB: 'no-such-code' })}`, status: 404, code: 'not-found' },
  { name: 'instance $expand of an unknown id', path: '/ValueSet/no-such-id/$expand', status: 404, code: 'not-found' },
  { name: 'instance $lookup on the id of a ValueSet', path: `/CodeSystem/indsatskatalog-119/$lookup${q({ code: CODE })}`, status: 404, code: 'not-found' },
  { name: 'read of an unknown id', path: '/CodeSystem/no-such-id', status: 404, code: 'not-found' },
  { name: 'an inline value set using an unknown code system', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: 'http://example.org/no-such-cs' }] })), status: 404, code: 'not-found' },
  { name: 'an unknown resource type', path: '/Patient/1', status: 404, code: 'not-found' },
  { name: 'an unknown operation', path: '/CodeSystem/$no-such-operation', status: 404, code: 'not-supported' },
  { name: 'an operation on the wrong resource type', path: `/ValueSet/$lookup${q({ system: FSIII, code: CODE })}`, status: 404, code: 'not-supported' },

  // --- malformed bodies, content types, sizes
  { name: 'malformed JSON', method: 'POST', path: '/ValueSet/$expand', body: '{"resourceType": "Parameters", ', status: 400, code: 'invalid' },
  { name: 'a JSON array body', method: 'POST', path: '/ValueSet/$expand', body: '[1, 2]', status: 400, code: 'invalid' },
  { name: 'an empty JSON array body (not a Parameters without parameters)', method: 'POST', path: '/ValueSet/$expand', body: '[]', status: 400, code: 'invalid' },
  { name: 'a JSON null body', method: 'POST', path: '/ValueSet/$expand', body: 'null', status: 400, code: 'invalid' },
  { name: 'a text/plain body', method: 'POST', path: '/ValueSet/$expand', body: 'url=x', headers: { 'content-type': 'text/plain' }, status: 415, code: 'not-supported' },
  { name: 'an XML body', method: 'POST', path: '/ValueSet/$expand', body: '<Parameters xmlns="http://hl7.org/fhir"/>', headers: { 'content-type': 'application/fhir+xml' }, status: 415, code: 'not-supported' },
  { name: 'a body in another charset', method: 'POST', path: '/ValueSet/$expand', body: parameters(), headers: { 'content-type': `${JSON_TYPE}; charset=latin1` }, status: 415, code: 'not-supported' },
  // FHIR's JSON is UTF-8: a body in another Unicode encoding is not decoded (and its JSON not read unchecked)
  { name: 'a body in UTF-16', method: 'POST', path: '/ValueSet/$expand', body: parameters(), headers: { 'content-type': `${JSON_TYPE}; charset=utf-16` }, status: 415, code: 'not-supported' },
  { name: 'a body over the size limit', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'filter', valueString: 'x'.repeat(BODY_LIMIT * 2) }), status: 413, code: 'too-long' },
  { name: 'a Patient instead of Parameters', method: 'POST', path: '/ValueSet/$expand', body: { resourceType: 'Patient' }, code: 'invalid' },
  { name: 'a body without resourceType', method: 'POST', path: '/CodeSystem/$lookup', body: { parameter: [{ name: 'code', valueCode: CODE }] }, code: 'invalid' },
  { name: 'Parameters.parameter not an array', method: 'POST', path: '/CodeSystem/$lookup', body: { resourceType: 'Parameters', parameter: { name: 'code' } }, code: 'invalid' },
  { name: 'a parameter without a name', method: 'POST', path: '/CodeSystem/$lookup', body: parameters({ valueCode: CODE }), code: 'invalid' },
  { name: 'a parameter without a value', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url' }), code: 'invalid' },

  // --- wrong value types in Parameters
  { name: 'url as a boolean', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueBoolean: true }), code: 'invalid' },
  { name: 'count as a string', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'count', valueString: '5' }), code: 'invalid' },
  { name: 'count as a decimal', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'count', valueInteger: 2.5 }), code: 'invalid' },
  { name: 'activeOnly as a number', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'activeOnly', valueInteger: 1 }), code: 'invalid' },
  { name: 'count as valueBoolean holding a number', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'count', valueBoolean: 1 }), status: 400, code: 'invalid' },
  { name: 'filter as valueBoolean holding a string', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'filter', valueBoolean: 'yes' }), status: 400, code: 'invalid' },
  { name: 'count beyond a FHIR integer', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'count', valueInteger: 1e308 }), status: 400, code: 'invalid' },
  { name: 'a parameter with two values', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'filter', valueString: 'a', valueCode: 'b' }), status: 400, code: 'invalid' },
  { name: 'a parameter with a value and a resource', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS, resource: { resourceType: 'ValueSet' } }), status: 400, code: 'invalid' },
  { name: 'a parameter with a value and parts', method: 'POST', path: '/CodeSystem/$lookup', body: parameters({ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE, part: [{ name: 'x', valueString: 'y' }] }), status: 400, code: 'invalid' },
  { name: 'coding as a string', method: 'POST', path: '/CodeSystem/$lookup', body: parameters({ name: 'coding', valueString: `${FSIII}|${CODE}` }), code: 'invalid' },
  { name: 'a Coding that is an array', method: 'POST', path: '/CodeSystem/$lookup', body: parameters({ name: 'coding', valueCoding: [{ system: FSIII, code: CODE }] }), code: 'invalid' },
  { name: 'a Coding whose code is a number', method: 'POST', path: '/CodeSystem/$lookup', body: parameters({ name: 'coding', valueCoding: { system: FSIII, code: 5 } }), code: 'invalid' },
  { name: 'a CodeableConcept with a null coding', method: 'POST', path: '/ValueSet/$validate-code', body: parameters({ name: 'url', valueUri: VS }, { name: 'codeableConcept', valueCodeableConcept: { coding: [null] } }), code: 'invalid' },
  { name: 'a CodeableConcept whose coding is not an array', method: 'POST', path: '/ValueSet/$validate-code', body: parameters({ name: 'url', valueUri: VS }, { name: 'codeableConcept', valueCodeableConcept: { coding: { system: FSIII, code: CODE } } }), code: 'invalid' },
  { name: 'valueSet as a string', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'valueSet', valueString: VS }), code: 'invalid' },
  { name: 'valueSet carrying a CodeSystem', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'valueSet', resource: { resourceType: 'CodeSystem', status: 'active', content: 'complete' } }), code: 'invalid' },
  { name: 'tx-resource carrying a Patient', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'tx-resource', resource: { resourceType: 'Patient' } }), code: 'invalid' },
  { name: 'an inline value set whose include is not an array', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: 'x' })), code: 'invalid' },
  { name: 'an inline value set whose filter is not an array', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: FSIII, filter: 'x' }] })), code: 'invalid' },
  { name: 'an inline value set with a null filter', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: FSIII, filter: [null] }] })), code: 'invalid' },
  { name: 'an inline value set with a null concept', method: 'POST', path: '/ValueSet/$validate-code', body: parameters(inlineVs({ include: [{ system: FSIII, concept: [null] }] }), { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }), code: 'invalid' },
  { name: 'an inline value set importing a number', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ valueSet: [5] }] })), code: 'invalid' },
  { name: 'an inline value set with a numeric filter value', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: FSIII, filter: [{ property: 'display', op: 'in', value: 5 }] }] })), code: 'invalid' },
  { name: 'an inline value set with a filter without value', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: FSIII, filter: [{ property: 'concept', op: 'is-a' }] }] })), code: 'invalid' },
  { name: "an inline value set with an 'exists' filter neither true nor false", method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: FSIII, filter: [{ property: 'concept', op: 'exists', value: 'maybe' }] }] })), status: 400, code: 'invalid' },
  { name: 'an inline value set with a lockedDate that is not a date', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ lockedDate: '2021-13', include: [{ system: FSIII }] })), status: 400, code: 'invalid' },
  { name: 'an inline value set with an unknown filter operator', method: 'POST', path: '/ValueSet/$expand', body: parameters(inlineVs({ include: [{ system: FSIII, filter: [{ property: 'concept', op: 'no-such-op', value: CODE }] }] })), code: 'not-supported' },
  { name: 'a tx-resource CodeSystem with a null concept', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'tx-resource', resource: { resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', concept: [null] } }, inlineVs({ include: [{ system: 'http://example.org/cs' }] })), code: 'invalid' },
  { name: '$lookup in a tx-resource CodeSystem whose concept is not an array', method: 'POST', path: '/CodeSystem/$lookup', body: parameters(txCodeSystem({ concept: 'x' }), { name: 'system', valueUri: TX_CS }, { name: 'code', valueCode: 'a' }), status: 400, code: 'invalid' },
  { name: '$subsumes in a tx-resource CodeSystem with a numeric code', method: 'POST', path: '/CodeSystem/$subsumes', body: parameters(txCodeSystem({ concept: [{ code: 5 }] }), { name: 'system', valueUri: TX_CS }, { name: 'codeA', valueCode: 'a' }, { name: 'codeB', valueCode: 'b' }), status: 400, code: 'invalid' },
  { name: 'a codeSystem parameter whose url is a number', method: 'POST', path: '/CodeSystem/$validate-code', body: parameters({ name: 'codeSystem', resource: { resourceType: 'CodeSystem', url: 5, status: 'active', content: 'complete' } }, { name: 'code', valueCode: 'a' }), status: 400, code: 'invalid' },
  { name: '$validate-code of a coding with another system beside it', method: 'POST', path: '/ValueSet/$validate-code', body: parameters({ name: 'url', valueUri: VS }, { name: 'coding', valueCoding: { system: FSIII, code: CODE } }, { name: 'system', valueUri: 'http://example.org/other' }), status: 400, code: 'invalid' },
  { name: '$translate of a CodeableConcept whose only coding has no system', method: 'POST', path: '/ConceptMap/$translate', body: parameters({ name: 'codeableConcept', valueCodeableConcept: { coding: [{ code: CODE }] } }), status: 400, code: 'invalid' },
  { name: '$translate of a sourceCodeableConcept whose only coding has no system', method: 'POST', path: '/ConceptMap/$translate', body: parameters({ name: 'sourceCodeableConcept', valueCodeableConcept: { coding: [{ code: CODE }] } }), status: 400, code: 'invalid' },
  { name: 'a conceptMap parameter with a null group', method: 'POST', path: '/ConceptMap/$translate', body: parameters({ name: 'conceptMap', resource: { resourceType: 'ConceptMap', status: 'active', group: [null] } }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }), status: 400, code: 'invalid' },
  { name: 'a conceptMap parameter whose element is not an array', method: 'POST', path: '/ConceptMap/$translate', body: parameters({ name: 'conceptMap', resource: { resourceType: 'ConceptMap', status: 'active', group: [{ source: FSIII, element: 'x' }] } }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }), status: 400, code: 'invalid' },
  { name: 'a tx-resource ConceptMap with a null target', method: 'POST', path: '/ConceptMap/$translate', body: parameters({ name: 'tx-resource', resource: { resourceType: 'ConceptMap', url: 'http://example.org/cm', status: 'active', group: [{ source: FSIII, element: [{ code: CODE, target: [null] }] }] } }, { name: 'url', valueUri: 'http://example.org/cm' }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }), status: 400, code: 'invalid' },

  // --- bad integers, booleans and Resource-typed parameters by GET
  { name: 'count that is not a number', path: `/ValueSet/$expand${q({ url: VS, count: 'ten' })}`, code: 'invalid' },
  { name: 'count that is negative', path: `/ValueSet/$expand${q({ url: VS, count: '-1' })}`, code: 'invalid' },
  { name: 'offset that is negative', path: `/ValueSet/$expand${q({ url: VS, offset: '-5' })}`, code: 'invalid' },
  { name: 'count with a fraction', path: `/ValueSet/$expand${q({ url: VS, count: '1.5' })}`, code: 'invalid' },
  { name: 'count too large for an integer', path: `/ValueSet/$expand${q({ url: VS, count: '99999999999' })}`, code: 'invalid' },
  { name: '$expand date that is no date', path: `/ValueSet/$expand${q({ url: VS, date: 'yesterday' })}`, code: 'invalid' },
  { name: '$lookup date with a month 13', path: `/CodeSystem/$lookup${q({ system: FSIII, code: CODE, date: '2025-13-01' })}`, code: 'invalid' },
  { name: '$validate-code date of 30 February', path: `/ValueSet/$validate-code${q({ url: VS, system: FSIII, code: CODE, date: '2025-02-30' })}`, code: 'invalid' },
  { name: '$expand valueDateTime that is no date (POST)', method: 'POST', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }, { name: 'date', valueDateTime: 'soon' }), code: 'invalid' },
  { name: 'activeOnly=yes', path: `/ValueSet/$expand${q({ url: VS, activeOnly: 'yes' })}`, code: 'invalid' },
  { name: 'activeOnly=TRUE (booleans are lower case)', path: `/ValueSet/$expand${q({ url: VS, activeOnly: 'TRUE' })}`, code: 'invalid' },
  { name: 'abstract=maybe', path: `/ValueSet/$validate-code${q({ url: VS, system: FSIII, code: CODE, abstract: 'maybe' })}`, code: 'invalid' },
  { name: 'valueSet by GET', path: `/ValueSet/$expand${q({ valueSet: '{"resourceType":"ValueSet"}' })}`, code: 'invalid' },
  { name: 'tx-resource by GET', path: `/ValueSet/$validate-code${q({ url: VS, system: FSIII, code: CODE, 'tx-resource': '{}' })}`, code: 'invalid' },
  { name: 'an expansion larger than the limit, without count', path: `/ValueSet/$expand${q({ url: 'http://fhir.kl.dk/term/ValueSet/KLInterventions' })}`, status: 422, code: 'too-costly' },

  // --- search
  { name: 'an unknown search parameter', path: '/ValueSet?no-such-param=x', code: 'invalid' },
  { name: '_count that is not a number', path: '/ValueSet?_count=many', code: 'invalid' },
  { name: '_count that is negative', path: '/ValueSet?_count=-1', code: 'invalid' },
  { name: 'an unknown _summary', path: '/CodeSystem?_summary=maybe', code: 'invalid' },
  { name: 'a result parameter given twice', path: '/ValueSet?_count=1&_count=2', code: 'invalid' },
  { name: 'a modifier the parameter type does not take', path: '/ValueSet?url:contains=faelles', code: 'not-supported' },
  { name: '_summary=count on a read', path: '/ValueSet/indsatskatalog-119?_summary=count', code: 'invalid' },
  { name: 'an unknown metadata mode', path: '/metadata?mode=no-such-mode', code: 'invalid' },
  { name: 'XML asked for with _format', path: `/ValueSet/$expand${q({ url: VS, _format: 'xml' })}`, status: 406, code: 'not-supported' },

  // --- methods
  { name: 'POST to a read endpoint', method: 'POST', path: '/ValueSet/indsatskatalog-119', body: parameters(), status: 405, code: 'not-supported' },
  { name: 'PUT to an operation', method: 'PUT', path: '/ValueSet/$expand', body: parameters({ name: 'url', valueUri: VS }), status: 405, code: 'not-supported' },
  { name: 'DELETE of an operation', method: 'DELETE', path: '/CodeSystem/$lookup', status: 405, code: 'not-supported' },
  { name: 'PATCH of a resource', method: 'PATCH', path: '/ValueSet/indsatskatalog-119', status: 405, code: 'not-supported' },
  // no PATCH at all: the method is refused whatever the body's type (not 415, which would suggest another body would do)
  { name: 'a JSON Patch body', method: 'PATCH', path: '/ValueSet/indsatskatalog-119', body: '[]', headers: { 'content-type': 'application/json-patch+json' }, status: 405, code: 'not-supported' },
];

const server = useRunningServer({ bodyLimitBytes: BODY_LIMIT, maxExpansionSize: MAX_EXPANSION });

it('has at least 30 distinct cases', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(30);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  expect(new Set(CASES.map((c) => `${c.method ?? 'GET'} ${c.path} ${JSON.stringify(c.body ?? '')} ${JSON.stringify(c.headers ?? {})}`)).size).toBe(CASES.length);
});

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it(`is answered ${c.status ?? '4xx'} with an OperationOutcome (${c.code})`, async () => {
    const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    const headers = { ...(body !== undefined ? { 'content-type': JSON_TYPE } : {}), ...c.headers };
    const res = await raw(server.baseUrl, c.path, { method: c.method ?? 'GET', headers, body });
    const outcome = res.body as { resourceType?: string; issue?: { severity?: string; code?: string; expression?: string[] }[] };
    expect(res.status).not.toBe(500);
    if (c.status !== undefined) expect(res.status).toBe(c.status);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.contentType).toMatch(/^application\/fhir\+json/);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue?.[0]?.severity).toMatch(/^(error|fatal)$/);
    expect(outcome.issue?.[0]?.code).toBe(c.code);
    if (c.expression) expect(outcome.issue?.[0]?.expression).toEqual(c.expression);
  });
});

describe('through fhir-kit-client', () => {
  it('a failed operation rejects with the status and the OperationOutcome', async () => {
    const { status, body } = await failure(server.client.operation({
      name: 'expand', resourceType: 'ValueSet', method: 'GET', input: { url: VS, count: 'ten' },
    }));
    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue?.[0]?.code).toBe('invalid');
  });

  it('a failed POST operation rejects the same way', async () => {
    const { status, body } = await failure(server.client.operation({
      name: 'lookup', resourceType: 'CodeSystem', method: 'POST', input: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueString: CODE }] },
    }));
    expect(status).toBe(400);
    expect(body.issue?.[0]?.code).toBe('invalid');
  });
});
