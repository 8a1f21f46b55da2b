/**
 * Part of `npm run build`: writes the FHIR core terminology as the server reads it lazily (see
 * src/terminology/fhir-core.ts) next to the compiled fhir-core.js of this build: `node <build>/scripts/build-fhir-core.js`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GENERATED_DATA, GENERATED_INDEX, generateFhirCoreFiles } from '../src/terminology/fhir-core';

const dir = path.join(__dirname, '..', 'src', 'terminology');
if (!fs.existsSync(path.join(dir, 'fhir-core.js'))) throw new Error(`no compiled src/terminology next to this script (${dir})`);
const started = Date.now();
const { index, data } = generateFhirCoreFiles();
fs.writeFileSync(path.join(dir, GENERATED_DATA), data);
fs.writeFileSync(path.join(dir, GENERATED_INDEX), JSON.stringify(index));
console.log(`FHIR core terminology: ${path.relative(process.cwd(), path.join(dir, GENERATED_INDEX))}, ${index.resources.length} resources (${Date.now() - started} ms)`);
