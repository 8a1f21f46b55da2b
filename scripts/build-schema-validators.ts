/**
 * Part of `npm run build`: writes the FHIR schema validators the server checks its catalogs and profiles with at
 * start, compiled ahead of time (see src/fhir/schema-precompiled.ts), next to the compiled schema-validator.js of
 * this build: `node <build>/scripts/build-schema-validators.js`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GENERATED_FILE, generatePrecompiledModule } from '../src/fhir/schema-precompiled';

const target = path.join(__dirname, '..', 'src', 'fhir', GENERATED_FILE);
if (!fs.existsSync(path.dirname(target))) throw new Error(`no compiled src/fhir next to this script (${path.dirname(target)})`);
const started = Date.now();
fs.writeFileSync(target, generatePrecompiledModule());
console.log(`schema validators: ${path.relative(process.cwd(), target)} (${Date.now() - started} ms)`);
