// Shared helpers for the terminology generators (plain Node, no dependencies).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TERM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const KL_DIR = path.join(TERM_DIR, 'kl');
export const SEEDS_DIR = path.join(TERM_DIR, 'seeds');

export const BASE = 'http://faelles-tx.dk/fhir';
export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';
export const KL_CS_VERSION = '20240530';
export const VERSION = '1.0.0';
// Fixed so that a rebuild gives byte-identical output. Change when content changes.
export const DATE = '2026-11-23';
export const PUBLISHER = 'faelles-tx';
export const JURISDICTION_DK = [
  { coding: [{ system: 'urn:iso:std:iso:3166', code: 'DK', display: 'Denmark' }] },
];
export const KL_COPYRIGHT =
  'Katalogtekster og koder (FSIII, FFB) tilhører KL (Kommunernes Landsforening). ' +
  'Catalog texts and codes (FSIII, FFB) belong to KL (Local Government Denmark).';

export const SEED_FILES = {
  p119: 'indsatskatalog-sundhedsloven-119-forebyggelse.txt',
  p140: 'indsatskatalog-sundhedsloven-140-genoptraening.txt',
  bilag6: 'bilag6-lokal-opsaetning-af-indsatser.txt',
  ffb: 'ffb-faelleskommunale-kataloger-social-voksne.txt',
  data: 'eksempler-paa-anvendelse-af-data.txt',
};

/** Collapse every run of whitespace (incl. newlines, NBSP) to one space and trim. */
export const norm = (s) => s.replace(/\s+/g, ' ').trim();

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** A footnote marker as printed (superscript): the seed's extracted text has lost the raise and glues the digit on. */
export const superscript = (digits) => [...digits].map((d) => SUPERSCRIPT_DIGITS[Number(d)]).join('');

/** The seed's spelling of a text with superscript markers (for the verbatim checks). */
export const unsuperscript = (s) => s.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => String(SUPERSCRIPT_DIGITS.indexOf(c)));

export function readText(p) {
  return fs.readFileSync(p, 'utf8');
}

export function readJson(p) {
  return JSON.parse(fs.readFileSync(p, 'utf8'));
}

export function writeJson(p, obj) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, JSON.stringify(obj, null, 2) + '\n', 'utf8');
}

export function readSeed(key) {
  return readText(path.join(SEEDS_DIR, SEED_FILES[key]));
}

/** Non-empty, whitespace-normalised lines of a seed file. */
export function seedLines(text) {
  return text.split('\n').map(norm).filter((l) => l.length > 0);
}

/**
 * Load a KL CodeSystem and index it: code -> { concept, parent, depth, path }.
 */
export function loadCodeSystem(file) {
  const cs = readJson(path.join(KL_DIR, file));
  const index = new Map();
  const walk = (concepts, parent, depth, pth) => {
    for (const c of concepts || []) {
      const p = [...pth, c.code];
      index.set(c.code, { concept: c, parent, depth, path: p });
      walk(c.concept, c.code, depth + 1, p);
    }
  };
  walk(cs.concept, null, 1, []);
  return { cs, index };
}

/** All descendants (not including the concept itself) of a code, in CodeSystem order. */
export function descendants(cs, code) {
  const out = [];
  const find = (concepts) => {
    for (const c of concepts || []) {
      if (c.code === code) return c;
      const r = find(c.concept);
      if (r) return r;
    }
    return null;
  };
  const root = find(cs.concept);
  const walk = (concepts) => {
    for (const c of concepts || []) {
      out.push(c);
      walk(c.concept);
    }
  };
  if (root) walk(root.concept);
  return out;
}

/**
 * Verbatim slice of a (whitespace-normalised) text from the first occurrence of `start`
 * (searched from `from`) to the end of the following occurrence of `end`.
 */
export function between(text, start, end, from = 0) {
  const i = text.indexOf(start, from);
  if (i < 0) throw new Error(`start anchor not found: ${start}`);
  const j = text.indexOf(end, i);
  if (j < 0) throw new Error(`end anchor not found after ${start}: ${end}`);
  return text.slice(i, j + end.length);
}

/** Assert a string occurs verbatim in a text and return it. */
export function verbatim(text, s) {
  if (!text.includes(s)) throw new Error(`not verbatim in seed: ${s}`);
  return s;
}
