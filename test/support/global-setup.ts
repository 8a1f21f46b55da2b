/**
 * jest's globalSetup: once per run, before any test file, what `npm run build` writes next to the compiled modules in
 * dist/ is written next to the source modules jest runs (gitignored), so that no test file pays for it again:
 * the FHIR schema validators compiled ahead of time (src/fhir/schema-precompiled.ts), the FHIR core terminology
 * files (src/terminology/fhir-core.ts) and the profiles' verification (src/profile-validation/profile-verification.ts);
 * and, for the tests that compare with R4's definitions, those definitions without their narratives (r4-definitions.ts).
 * Each is kept while it is current (same key, same files, not older than the code that makes it) and made again
 * otherwise; the server's checks decide what is used, exactly as for a build. Without them every test file compiled
 * the schema and checked every profile itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GENERATED_FILE, generatePrecompiledModules, loadPrecompiledValidators } from '../../src/fhir/schema-precompiled';
import { sharedFhirSchemaValidator } from '../../src/fhir/schema-validator';
import { profilesVerified, recordVerification } from '../../src/profile-validation/profile-verification';
import { fhirCoreFromFiles, GENERATED_DATA, GENERATED_INDEX, generateFhirCoreFiles } from '../../src/terminology/fhir-core';
import { writeR4Extracts } from './r4-definitions';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/** The generated file is there and was written after the source of the code that generates it last changed. */
function newer(generated: string, generator: string): boolean {
  return fs.existsSync(generated) && fs.statSync(generated).mtimeMs >= fs.statSync(generator).mtimeMs;
}

/** Written whole or not at all: another jest run in this checkout may be reading it. */
function write(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export default function globalSetup(): void {
  const fhirDir = path.join(SRC, 'fhir');
  if (!newer(path.join(fhirDir, GENERATED_FILE), path.join(fhirDir, 'schema-precompiled.ts')) || !loadPrecompiledValidators(fhirDir)) {
    for (const { file, code } of generatePrecompiledModules()) write(path.join(fhirDir, file), code);
  }
  const terminologyDir = path.join(SRC, 'terminology');
  if (!newer(path.join(terminologyDir, GENERATED_DATA), path.join(terminologyDir, 'fhir-core.ts')) || !fhirCoreFromFiles(terminologyDir)) {
    const { index, data } = generateFhirCoreFiles();
    write(path.join(terminologyDir, GENERATED_DATA), data);
    write(path.join(terminologyDir, GENERATED_INDEX), JSON.stringify(index));
  }
  const profilesDir = path.join(SRC, '..', 'profiles');
  const codeDir = path.join(SRC, 'profile-validation');
  // a broken profile is not recorded: every test's start then checks the folder and reports it, as the server would
  if (!profilesVerified(profilesDir, codeDir)) recordVerification(profilesDir, sharedFhirSchemaValidator(), codeDir);
  writeR4Extracts();
}
