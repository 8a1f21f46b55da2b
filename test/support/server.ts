import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Parameters, ParametersParameter } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import type { Config } from '../../src/config';
import { testApp } from './app';

/** The app listening on a free local port, with a fhir-kit-client pointed at it. */
export interface RunningServer {
  client: Client;
  /** The FHIR base, e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  close(): Promise<void>;
}

export async function startServer(overrides: Partial<Config> = {}): Promise<RunningServer> {
  const app = await testApp(overrides);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/fhir`;
  return {
    client: new Client({ baseUrl }),
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts a server before the tests of the calling file and closes it after them. The returned object is filled in
 * by `beforeAll`: use its fields inside tests and hooks, not at the top level.
 */
export function useRunningServer(overrides: Partial<Config> = {}): RunningServer {
  const running = {} as RunningServer;
  beforeAll(async () => {
    Object.assign(running, await startServer(overrides));
  });
  afterAll(async () => {
    await running.close?.();
  });
  return running;
}

/** What fhir-kit-client attaches to the error it throws for a non-2xx answer. */
export interface ClientError {
  response: { status: number; data: unknown };
}

/** Runs a client call that must fail, and returns the HTTP status and body of the failure. */
export async function failure(call: Promise<unknown>): Promise<{ status: number; body: { resourceType?: string; issue?: { severity: string; code: string }[] } }> {
  try {
    await call;
  } catch (e) {
    const response = (e as Partial<ClientError>).response;
    if (!response) throw e;
    return { status: response.status, body: response.data as { resourceType?: string; issue?: { severity: string; code: string }[] } };
  }
  throw new Error('the request succeeded, but it should have failed');
}

/** A raw HTTP request against the running server (for bodies and headers a FHIR client would never send). */
export async function raw(
  baseUrl: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; contentType: string; body: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* leave as text */
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}

// ---- reading Parameters -------------------------------------------------------------------------------------------

export function asParameters(r: unknown): Parameters {
  const p = r as Parameters;
  expect(p.resourceType).toBe('Parameters');
  return p;
}

export function params(p: Parameters, name: string): ParametersParameter[] {
  return (p.parameter ?? []).filter((x) => x.name === name);
}

export function param(p: Parameters, name: string): ParametersParameter | undefined {
  return params(p, name)[0];
}

/** The value of a parameter or part, whatever its value[x] type. */
export function valueOf(p: ParametersParameter | undefined): unknown {
  if (!p) return undefined;
  const field = Object.keys(p).find((k) => k.startsWith('value'));
  return field ? (p as unknown as Record<string, unknown>)[field] : undefined;
}

export interface LookupProperty {
  code: string;
  value: unknown;
  description?: string;
}

/** The `property` parameters of a $lookup answer, in order. */
export function lookupProperties(p: Parameters): LookupProperty[] {
  return params(p, 'property').map((prop) => {
    const parts = prop.part ?? [];
    const code = valueOf(parts.find((x) => x.name === 'code')) as string;
    const value = valueOf(parts.find((x) => x.name === 'value'));
    const description = valueOf(parts.find((x) => x.name === 'description')) as string | undefined;
    return { code, value, description };
  });
}

export function propertyValues(p: Parameters, code: string): unknown[] {
  return lookupProperties(p).filter((x) => x.code === code).map((x) => x.value);
}

/** The OperationOutcome a $validate-code answer carries in `issues`, if any. */
export function validationIssues(p: Parameters): {
  severity: string;
  code: string;
  details?: { text?: string; coding?: { system?: string; code?: string }[] };
  expression?: string[];
}[] {
  const oo = param(p, 'issues')?.resource as { issue?: unknown[] } | undefined;
  return (oo?.issue ?? []) as ReturnType<typeof validationIssues>;
}

export const TX_ISSUE_TYPE = 'http://hl7.org/fhir/tools/CodeSystem/tx-issue-type';

export function txIssueType(issue: { details?: { coding?: { system?: string; code?: string }[] } }): string | undefined {
  return issue.details?.coding?.find((c) => c.system === TX_ISSUE_TYPE)?.code;
}
