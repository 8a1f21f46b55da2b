/**
 * The scaled dataset: a temporary terminology folder = a copy of terminology/ plus, under examples/, a local
 * catalog (CodeSystem) and its map to the common FSIII interventions (ConceptMap) for each of the 98
 * municipalities, 2,000 local codes each. Shaped like examples/kommune-370.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prng } from '../scripts/prng';

/** The 98 Danish municipality codes (kommunekoder). */
export const KOMMUNEKODER = (
  '101 147 151 153 155 157 159 161 163 165 167 169 173 175 183 185 187 190 201 210 217 219 223 230 240 250 253 259 ' +
  '260 265 269 270 306 316 320 326 329 330 336 340 350 360 370 376 390 400 410 420 430 440 450 461 479 480 482 492 ' +
  '510 530 540 550 561 563 573 575 580 607 615 621 630 657 661 665 671 706 707 710 727 730 740 741 746 751 756 760 ' +
  '766 773 779 787 791 810 813 820 825 840 846 849 851 860'
).split(' ');

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FSIII_INTERVENTIONS = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';

export interface Target {
  code: string;
  display?: string;
}

export interface Municipality {
  kode: string;
  codeSystemUrl: string;
  conceptMapUrl: string;
  codes: string[];
}

const ACTIVITIES = ['Træning', 'Vejledning', 'Støtte', 'Hjælp', 'Undervisning', 'Rehabilitering', 'Samtale', 'Forløb',
  'Opfølgning', 'Afklaring', 'Mestring', 'Gruppeforløb', 'Hjemmebesøg'];
const OBJECTS = ['i personlig hygiejne', 'til madlavning', 'ved indkøb', 'i medicinhåndtering', 'af balance',
  'til fysisk aktivitet', 'om kost og ernæring', 'ved søvnproblemer', 'om rygestop', 'i brug af hjælpemidler',
  'til socialt samvær', 'ved smerter', 'i digitale løsninger', 'af gangfunktion', 'om alkohol', 'til pårørende'];
const QUALIFIERS = ['individuelt', 'på hold', 'i eget hjem', 'på center', 'digitalt', 'udendørs', 'intensivt', 'let',
  'for ældre', 'efter udskrivelse'];

export { prng };

function localCode(kode: string, n: number): string {
  return `${kode}-L${String(n).padStart(4, '0')}`;
}

function header(kode: string, kind: 'CodeSystem' | 'ConceptMap', version: string, date: string) {
  const identifier = { system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: kode };
  return {
    resourceType: kind,
    id: `bench-kommune-${kode}-lokale-indsatser`,
    language: 'da',
    url: `http://faelles-tx.dk/fhir/kommune/${kode}/${kind}/bench-lokale-indsatser`,
    identifier: kind === 'CodeSystem' ? [identifier] : identifier,
    version,
    name: `BenchKommune${kode}LokaleIndsatser${kind === 'ConceptMap' ? 'TilFsiii' : ''}`,
    title: `Kommune ${kode} – lokale indsatser (genereret til benchmark)`,
    status: 'active',
    experimental: true,
    date,
    publisher: 'faelles-tx bench',
  };
}

/** One version of a municipality's catalog and map (`version`), and what the scenarios need to address them. */
export interface MunicipalVersion {
  version: string;
  date: string;
}

/** The version the published dataset has (the one of examples/kommune-370). */
const FIRST: MunicipalVersion = { version: '1.0.0', date: '2026-11-23' };

/**
 * The catalog and map of one municipality in one version. Versions other than the first draw their displays'
 * qualifiers and their targets from another seed: each version re-displays and re-maps most codes, as a revised
 * local catalog would.
 */
export function municipalResources(kode: string, codesPer: number, targets: Target[], v: MunicipalVersion = FIRST) {
  const random = prng(Number(kode) * 7919 + (v === FIRST ? 0 : Number(v.version.split('.')[0]) * 104729));
  const concepts = [];
  const elements = [];
  const codes: string[] = [];
  for (let n = 1; n <= codesPer; n++) {
    const code = localCode(kode, n);
    const display = `${ACTIVITIES[n % ACTIVITIES.length]} ${OBJECTS[Math.floor(n / ACTIVITIES.length) % OBJECTS.length]}, ` +
      `${QUALIFIERS[Math.floor(random() * QUALIFIERS.length)]}`;
    const target = targets[Math.floor(random() * targets.length)]!;
    codes.push(code);
    concepts.push({
      code,
      display,
      definition: `Lokal indsats i kommune ${kode}: ${display.toLowerCase()}. Kobles til "${target.display ?? target.code}".`,
      property: [{ code: 'type', valueCode: 'indsats' }, { code: 'status', valueCode: 'active' }],
    });
    elements.push({ code, display, target: [{ code: target.code, display: target.display, equivalence: 'subsumes' }] });
  }
  // one local offer (tilbud) made of four common interventions, as kommune 370's KOL rehabilitering (not in `codes`)
  const offer = `${kode}-TILBUD`;
  const parts = Array.from({ length: 4 }, (_, i) => targets[(Number(kode) + i * 7) % targets.length]!);
  concepts.push({ code: offer, display: 'Lokalt rehabiliteringsforløb', property: [{ code: 'type', valueCode: 'tilbud' }, { code: 'status', valueCode: 'active' }] });
  elements.push({
    code: offer, display: 'Lokalt rehabiliteringsforløb',
    target: [...new Map(parts.map((t) => [t.code, t])).values()].map((t) => ({ code: t.code, display: t.display, equivalence: 'inexact', comment: 'Tilbuddet er sammensat af flere indsatser.' })),
  });
  const cs = {
    ...header(kode, 'CodeSystem', v.version, v.date),
    caseSensitive: true,
    content: 'complete',
    count: concepts.length,
    property: [
      { code: 'type', uri: 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type', type: 'code' },
      { code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' },
    ],
    concept: concepts,
  };
  const csUrl = cs.url;
  const cm = {
    ...header(kode, 'ConceptMap', v.version, v.date),
    sourceUri: csUrl,
    targetUri: FSIII_INTERVENTIONS,
    group: [{ source: csUrl, sourceVersion: v.version, target: FSIII, targetVersion: '20240530', element: elements }],
  };
  return { cs, cm, municipality: { kode, codeSystemUrl: csUrl, conceptMapUrl: cm.url, codes } satisfies Municipality };
}

/** Writes the catalog and map of one municipality; returns what the scenarios need to address them. */
function writeMunicipality(dir: string, kode: string, codesPer: number, targets: Target[]): Municipality {
  const { cs, cm, municipality } = municipalResources(kode, codesPer, targets);
  const sub = path.join(dir, `kommune-${kode}`);
  fs.mkdirSync(sub, { recursive: true });
  fs.writeFileSync(path.join(sub, `CodeSystem-bench-kommune-${kode}.json`), JSON.stringify(cs));
  fs.writeFileSync(path.join(sub, `ConceptMap-bench-kommune-${kode}.json`), JSON.stringify(cm));
  return municipality;
}

export interface ScaledDataset {
  dir: string;
  /** A data folder to copy into each server's DATA_DIR before it starts (the versioned dataset's store). */
  dataTemplate?: string;
  /** Extra environment of every server started on the dataset (PACKAGES). */
  env?: Record<string, string>;
  municipalities: Municipality[];
  bytes: number;
  remove(): void;
}

/** Copies terminology/ to a temporary folder and adds the generated municipalities under examples/bench-kommuner/. */
export function createScaledDataset(terminologyDir: string, targets: Target[], options: { municipalities?: number; codesPer?: number } = {}): ScaledDataset {
  if (targets.length === 0) throw new Error('no FSIII interventions to map to');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-bench-'));
  fs.cpSync(terminologyDir, dir, { recursive: true, filter: (src) => !/[\\/](build|seeds)$/.test(src) });
  const out = path.join(dir, 'examples', 'bench-kommuner');
  const municipalities = KOMMUNEKODER.slice(0, options.municipalities ?? KOMMUNEKODER.length)
    .map((kode) => writeMunicipality(out, kode, options.codesPer ?? 2000, targets));
  let bytes = 0;
  for (const m of fs.readdirSync(out)) for (const f of fs.readdirSync(path.join(out, m))) bytes += fs.statSync(path.join(out, m, f)).size;
  return { dir, municipalities, bytes, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
