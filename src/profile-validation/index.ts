import path from 'node:path';
import { projectRoot } from '../config';
import { sharedFhirSchemaValidator, type FhirSchemaValidator } from '../fhir/schema-validator';
import { loadProfiles, ProfileLoadError, type ProfileRegistry } from './profile-registry';
import { profilesVerified } from './profile-verification';
import { SubmissionValidator } from './validator';

export { ProfileLoadError };

export interface SubmissionValidation {
  profiles: ProfileRegistry;
  validator: SubmissionValidator;
  schema: FhirSchemaValidator;
}

/** The schema validator compiles each resource type once; it holds no request state, so one serves the process. */
let sharedSchema: FhirSchemaValidator | undefined;
const loaded = new Map<string, SubmissionValidation>();

export function defaultProfilesDir(): string {
  return path.join(projectRoot(), 'profiles');
}

/**
 * The profiles (loaded and checked once per folder and process; read only, when the build verified the folder)
 * and the validator for submissions. Throws ProfileLoadError when a profile is broken.
 */
export function submissionValidation(profilesDir: string = defaultProfilesDir()): SubmissionValidation {
  const dir = path.resolve(profilesDir);
  let hit = loaded.get(dir);
  if (!hit) {
    sharedSchema ??= sharedFhirSchemaValidator();
    const profiles = loadProfiles(dir, sharedSchema, { verified: profilesVerified(dir) });
    hit = { profiles, validator: new SubmissionValidator(profiles, sharedSchema), schema: sharedSchema };
    loaded.set(dir, hit);
  }
  return hit;
}
