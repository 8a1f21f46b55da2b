import path from 'node:path';

/**
 * Where the project and its published catalogs are, and the systems of the two common catalogs: for the tests that
 * need no app (importing them from app.ts loads the whole server).
 */
export const ROOT = path.resolve(__dirname, '..', '..');
export const TERMINOLOGY_DIR = path.join(ROOT, 'terminology');

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';
