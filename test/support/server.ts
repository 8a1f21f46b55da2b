import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from 'fhir/r4';
import { Client, type FhirResource } from 'fhir-kit-client';
import type { App } from '../../src/app';
import { createHttpServer } from '../../src/http/server';
import type { Config } from '../../src/config';
import { testApp } from './app';

/** The app listening on a free local port, with a fhir-kit-client pointed at it. */
export interface RunningServer {
  /** The app the server runs (for supertest, or its registry and cache). */
  app: App;
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
    app,
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

/** A typed resource as a request body of fhir-kit-client, whose resource type is a loose record. */
export function clientBody(resource: Resource): FhirResource {
  return resource as unknown as FhirResource;
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

/** The app served as src/index.ts serves it (createHttpServer: its answers to what Node's parser refuses), on a free local port. */
export async function serveOverHttp(app: App): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
