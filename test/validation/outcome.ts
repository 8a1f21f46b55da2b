import fs from 'node:fs';
import path from 'node:path';
import type { OperationOutcome } from 'fhir/r4';
import type { Express } from 'express';
import request from 'supertest';
import { issueTranslated } from '../support/translation';

/** An OperationOutcome issue of $validate, with its text in both languages side by side. */
export interface Issue {
  severity: string;
  code: string;
  expression?: string[];
  da: string;
  en: string;
  tx?: string;
  id?: string;
}

export function summarise(outcome: OperationOutcome): Issue[] {
  return outcome.issue.map((i) => {
    const { text, lang, translation } = issueTranslated(i);
    const translated = translation ?? '';
    const primary = text ?? '';
    const out: Issue = {
      severity: i.severity, code: i.code, ...(i.expression ? { expression: i.expression } : {}),
      da: lang === 'da' ? translated : primary, en: lang === 'en' ? translated : primary,
    };
    const tx = i.details?.coding?.[0]?.code;
    if (tx) out.tx = tx;
    const id = i.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id')?.valueString;
    if (id) out.id = id;
    return out;
  });
}

/** POSTs a resource to $validate (200 with an OperationOutcome expected) and gives its issues. */
export async function validateWith(app: Express, body: unknown, url = '/fhir/$validate', query: Record<string, string> = {}): Promise<Issue[]> {
  const res = await request(app).post(url).query(query).set('Content-Type', 'application/fhir+json').send(body as object);
  expect(res.status).toBe(200);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const issues = summarise(res.body as OperationOutcome);
  // a Danish text is Danish: it does not wrap the English one
  for (const i of issues) expect(i.da).not.toContain(i.en);
  return issues;
}

export const OK: Issue[] = [{ severity: 'information', code: 'informational', da: 'Ingen fejl fundet ved valideringen', en: 'No issues detected during validation' }];

/** The issues that refuse the resource (error and fatal). */
export const errorsOf = (issues: Issue[]): Issue[] => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

/** One of KL's examples (test/fixtures/kl-examples), read anew for a test to change. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const klExample = (name: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'kl-examples', name), 'utf8'));
