/**
 * Chromium for the web page's end-to-end tests (Debian's chromium package, /usr/bin/chromium or CHROMIUM_PATH).
 * Where it is not installed the tests are skipped with a notice, unless CI=true: then they fail (.ci/run installs it).
 * One fixture for every browser test file: the server (scripts/web-server.ts: the app in this process, a fresh
 * embedded store, a known token secret), one browser, a page per test, and every script error or Content-Security-
 * Policy refusal of a page failing its test.
 */
import type { Page, Request } from 'playwright-core';
import { CHROMIUM_PATH, chromiumInstalled, launchChromium, type Browser } from '../../scripts/chromium';
import { startWebServer, type WebServer } from '../../scripts/web-server';
import { publishedCatalogs } from './app';
import { describeNeeding } from './ci-only';


/** describe() when Chromium is installed; otherwise skipped with a notice, or (CI=true) one failing test saying why. */
export function describeWithChromium(name: string, fn: () => void): void {
  describeNeeding('Chromium', chromiumInstalled() ? undefined : `No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH`, name, fn);
}

/**
 * Types `text` into the target picker's search and waits until the candidates listed are the ones for it: a small
 * catalog lists all its concepts before the search, and a tick given before the search ends lands on that list.
 */
export async function searchTargets(page: Page, text: string): Promise<void> {
  await page.getByLabel('Søg', { exact: true }).fill(text);
  await page.locator('fieldset.candidates[aria-busy="false"]').waitFor();
}

/** What the tests of a describeInChromium block use; filled in by its hooks, so read it inside tests and hooks. */
export interface ChromiumSession {
  server: WebServer;
  browser: Browser;
  /** The page opened for the current test (unless `pagePerTest: false`). */
  page: Page;
  /** Another page (a second tab), watched for errors and closed after the test like the first. */
  newPage(): Promise<Page>;
  /** GET a FHIR resource from the server, expecting 200. */
  fhirGet<T>(path: string): Promise<T>;
  /**
   * The current test's requests that failed, were answered 4xx/5xx, or are still waiting for their answer (with how
   * long), for a failing test to say what the page met.
   */
  requestProblems(): string[];
}

export interface ChromiumOptions {
  viewport?: { width: number; height: number };
  /** Open `page` before each test (default); false when the tests open their pages with newPage(). */
  pagePerTest?: boolean;
  /** Runs once the server listens, before the browser starts (e.g. data the tests read). */
  setup?(server: WebServer): Promise<void>;
}

/**
 * describeWithChromium with the server, browser and page lifecycle: the server and browser start before the block's
 * tests and stop after them; each test gets its pages, which are closed after it, and fails on a page's script error
 * or a Content-Security-Policy refusal (shown as a console error).
 */
export function describeInChromium(name: string, options: ChromiumOptions, fn: () => void): ChromiumSession {
  const pages: Page[] = [];
  const errors: string[] = [];
  const failed: string[] = [];
  const pending = new Map<Request, number>();
  const web = {
    async newPage() {
      const page = await web.browser.context.newPage();
      pages.push(page);
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
      });
      page.on('request', (r) => pending.set(r, Date.now()));
      page.on('requestfinished', (r) => pending.delete(r));
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.request().method()} ${r.url()} → ${r.status()}`);
      });
      page.on('requestfailed', (r) => {
        pending.delete(r);
        failed.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText ?? '?'}`);
      });
      return page;
    },
    requestProblems: () => [
      ...failed,
      ...[...pending].map(([r, since]) => `${r.method()} ${r.url()} unanswered after ${Date.now() - since} ms`),
    ],
    async fhirGet<T>(path: string): Promise<T> {
      const res = await fetch(`${web.server.fhirBase}/${path}`, { headers: { Accept: 'application/fhir+json' } });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    },
  } as ChromiumSession;
  describeWithChromium(name, () => {
    beforeAll(async () => {
      web.server = await startWebServer({ published: publishedCatalogs() });
      await options.setup?.(web.server);
      web.browser = await launchChromium(options.viewport);
    });
    afterAll(async () => {
      await web.browser?.close();
      await web.server?.close();
    });
    beforeEach(async () => {
      errors.length = 0;
      failed.length = 0;
      pending.clear();
      if (options.pagePerTest !== false) web.page = await web.newPage();
    });
    afterEach(async () => {
      for (const page of pages.splice(0)) if (!page.isClosed()) await page.close();
      expect(errors).toEqual([]);
    });
    fn();
  });
  return web;
}
