import type { OperationDefinition } from 'fhir/r4';

const BASE = 'http://faelles-tx.dk/fhir/OperationDefinition';

/** This server's system-level package operations (src/http/routes/packages.ts), as OperationDefinitions. */
export const PACKAGE_OPERATION_DEFINITIONS: OperationDefinition[] = [
  {
    resourceType: 'OperationDefinition',
    id: 'load-package',
    url: `${BASE}/load-package`,
    name: 'LoadPackage',
    status: 'active',
    kind: 'operation',
    description: 'Loads a FHIR NPM package (the .tgz archive as the body, Content-Type application/gzip; admin scope) into the published catalogs ' +
      'of every replica, without a restart. The package is checked whole first (package.json name, semantic version, FHIR R4 4.0.1, dependencies ' +
      'loaded; every CodeSystem, ValueSet and ConceptMap valid R4 with a url; no url|version served with other content or written by a municipality): ' +
      'a package that fails is refused with every reason (422; 409 when name#version is loaded already) and nothing changes. Other resource types ' +
      'in the package are not served. Every code system and value set its resources use must be in the package or served already (each one ' +
      'missing is a reason; with the server\'s PACKAGE_REFERENCES=warn, a dependency not loaded and what is used but not served are warnings ' +
      'in the answer instead, and the package is loaded). Recorded in the audit log (AuditEvent, entity name#version), refused loads too. $packages lists what is loaded; ' +
      '$unload-package takes a package out again. Answer: an OperationOutcome naming what was loaded.',
    affectsState: true,
    code: 'load-package',
    system: true,
    type: false,
    instance: false,
    parameter: [
      { name: 'return', use: 'out', min: 1, max: '1', type: 'OperationOutcome', documentation: 'What was loaded, or why not' },
    ],
  },
  {
    resourceType: 'OperationDefinition',
    id: 'package',
    url: `${BASE}/package`,
    name: 'Package',
    status: 'active',
    kind: 'operation',
    description: 'The common catalogs (every published resource that belongs to no municipality), or one municipality\'s local catalogs and maps ' +
      '(every version served), as a FHIR NPM package: package/package.json (name, version, fhirVersions, dependencies), package/.index.json, one ' +
      'resource per file; the .tgz archive as application/gzip. The same as `npm run package`.',
    affectsState: false,
    code: 'package',
    system: true,
    type: false,
    instance: false,
    parameter: [
      { name: 'kommunekode', use: 'in', min: 0, max: '1', type: 'string', documentation: 'The municipality whose catalogs and maps to package (three digits); without it, the common catalogs' },
      { name: 'version', use: 'in', min: 0, max: '1', type: 'string', documentation: 'The package version (semantic); default the server\'s release for the catalogs, today\'s date (2026.12.2) for a municipality' },
      { name: 'return', use: 'out', min: 1, max: '1', type: 'Binary', documentation: 'The package archive (application/gzip)' },
    ],
  },
];
