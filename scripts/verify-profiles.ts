/**
 * Part of `npm run build`: checks the profiles/ folder as the server does at start and records it as verified for
 * this build (src/profile-validation/profile-verification.ts), so that the server reads it without checking it again:
 * `node <build>/scripts/verify-profiles.js`. A broken profile is reported here and left for the start to refuse.
 */
import path from 'node:path';
import { projectRoot } from '../src/config';
import { sharedFhirSchemaValidator } from '../src/fhir/schema-validator';
import { recordVerification } from '../src/profile-validation/profile-verification';

const profilesDir = path.join(projectRoot(), 'profiles');
const codeDir = path.join(__dirname, '..', 'src', 'profile-validation');
const error = recordVerification(profilesDir, sharedFhirSchemaValidator(), codeDir);
if (error) console.log(`profiles: not verified, the server will check them at start (${error.message})`);
else console.log(`profiles: ${path.relative(process.cwd(), profilesDir) || '.'} verified for this build`);
