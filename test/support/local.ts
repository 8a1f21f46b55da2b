import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../../src/auth/auth-config';
import { KOMMUNEKODE_SYSTEM, LOCAL_TYPE_URI, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { FSIII } from './catalogs';

/** FSIII codes used by the local-catalog tests (all in KL's FSIII 20240530). */
export const CODES = {
  sygdomshaandtering: 'e71b7d85-5c78-49c2-8624-8499d162317b',
  kostvejledning: 'c9a99304-1788-43b7-b7be-e187b092ae9c',
  vejledningFysisk: 'abe847e0-1ce0-44dc-a675-ce05b66f47e6',
  faerdighedstraening: '61692d91-69b8-4830-9453-3d58454e49d3',
  nikotin: '6d24992e-e0a2-43e7-bc27-0234622a8655',
  fysiskTraening119: 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d',
  fysiskTraening140: '2abe20c7-c0b4-41c1-b397-52acf36499ef',
  mentalHaandtering: 'f30cab6d-2a42-4358-99d7-811127fb6e05',
  /** retired, replaced by nikotin */
  tobaksafvaenningRetired: 'c203c6b5-3be0-40a8-8204-e93751deabf5',
  /** niveau 1: the §119 grouping concept */
  paragraf119: '102ea764-d2cf-4a24-979d-68c2e8d638cf',
};

export const KOL_TARGETS = [CODES.sygdomshaandtering, CODES.kostvejledning, CODES.vejledningFysisk, CODES.faerdighedstraening, CODES.nikotin,
  CODES.fysiskTraening119];

/** A token signed with the development secret the test configuration uses. */
export async function tokenFor(
  claims: Record<string, unknown>,
  options: { expiresIn?: string | number; secret?: string; alg?: 'HS256' | 'HS512' } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}

export interface LocalConcept {
  code: string;
  display: string;
  type: 'indsats' | 'tilbud';
  definition?: string;
}

export function localCodeSystem(kommunekode: string, name: string, concepts: LocalConcept[]): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: municipalId(kommunekode, name),
    url: municipalUrl(kommunekode, 'CodeSystem', name),
    identifier: [{ system: KOMMUNEKODE_SYSTEM, value: kommunekode }],
    version: '1.0.0',
    name: `Kommune${kommunekode}Test`,
    title: `Kommune ${kommunekode} test`,
    status: 'active',
    content: 'complete',
    caseSensitive: true,
    property: [
      { code: 'type', uri: LOCAL_TYPE_URI, type: 'code' },
      { code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' },
    ],
    concept: concepts.map((c) => ({
      code: c.code,
      display: c.display,
      ...(c.definition ? { definition: c.definition } : {}),
      property: [{ code: 'type', valueCode: c.type }, { code: 'status', valueCode: 'active' }],
    })),
  };
}

export interface LocalMapping {
  code: string;
  display?: string;
  targets: string[];
  equivalence?: 'subsumes' | 'inexact' | 'equivalent' | 'relatedto';
}

export function localConceptMap(kommunekode: string, name: string, mappings: LocalMapping[], source?: string): ConceptMap {
  return {
    resourceType: 'ConceptMap',
    id: municipalId(kommunekode, name),
    url: municipalUrl(kommunekode, 'ConceptMap', name),
    identifier: { system: KOMMUNEKODE_SYSTEM, value: kommunekode },
    version: '1.0.0',
    name: `Kommune${kommunekode}TestMap`,
    status: 'active',
    sourceUri: source ?? municipalUrl(kommunekode, 'CodeSystem', name),
    group: [{
      source: source ?? municipalUrl(kommunekode, 'CodeSystem', name),
      sourceVersion: '1.0.0',
      target: FSIII,
      targetVersion: '20240530',
      element: mappings.map((m) => ({
        code: m.code,
        ...(m.display ? { display: m.display } : {}),
        target: m.targets.map((t) => {
          const equivalence = m.equivalence ?? (m.targets.length > 1 ? 'inexact' : 'subsumes');
          // R4's cmd-1: an inexact map says how in a comment
          return { code: t, equivalence, ...(equivalence === 'inexact' ? { comment: 'Del af et lokalt tilbud' } : {}) };
        }),
      })),
    }],
  };
}

/** A small local catalog for municipality `kode`: one offer with the six KOL interventions and two local interventions. */
export function sampleCatalog(kommunekode: string, name = 'lokale-indsatser'): { codeSystem: CodeSystem; conceptMap: ConceptMap } {
  const p = `${kommunekode}-`;
  return {
    codeSystem: localCodeSystem(kommunekode, name, [
      { code: `${p}KOL`, display: 'KOL-rehabilitering', type: 'tilbud', definition: 'Lokalt tilbud' },
      { code: `${p}BOLD`, display: 'Boldspil', type: 'indsats' },
      { code: `${p}BALANCE`, display: 'Balancetræning', type: 'indsats' },
      { code: `${p}NY`, display: 'Endnu ikke koblet', type: 'indsats' },
    ]),
    conceptMap: localConceptMap(kommunekode, name, [
      { code: `${p}KOL`, display: 'KOL-rehabilitering', targets: KOL_TARGETS, equivalence: 'inexact' },
      { code: `${p}BOLD`, display: 'Boldspil', targets: [CODES.fysiskTraening119] },
      { code: `${p}BALANCE`, display: 'Balancetræning', targets: [CODES.fysiskTraening140] },
    ]),
  };
}
