/**
 * Part of `npm run build`: writes the FHIR schema validators the server checks its catalogs, profiles and
 * submissions with, compiled ahead of time (see src/fhir/schema-precompiled.ts), next to the compiled
 * schema-validator.js of this build: `node <build>/scripts/build-schema-validators.js`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generatePrecompiledModules } from '../src/fhir/schema-precompiled';

const dir = path.join(__dirname, '..', 'src', 'fhir');
if (!fs.existsSync(dir)) throw new Error(`no compiled src/fhir next to this script (${dir})`);
const started = Date.now();
const modules = generatePrecompiledModules();
for (const { file, code } of modules) fs.writeFileSync(path.join(dir, file), code);
console.log(`schema validators: ${modules.map((m) => path.relative(process.cwd(), path.join(dir, m.file))).join(', ')} (${Date.now() - started} ms)`);
