// The FFB sub-catalog hierarchies as the FFB seed shows them (labels verbatim from
// ffb-faelleskommunale-kataloger-social-voksne.txt, whitespace-normalised), and their mapping
// onto FFB (urn:oid:1.2.208.176.2.22) codes.
//
// A node is [label, children?]. Matching: the label is compared case-insensitively (hyphen
// spacing normalised) with the displays of the FFB concepts below the FFB concept of the
// nearest mapped ancestor (or below the catalog's FFB root). OVERRIDES hold the few labels
// that differ from the FFB display; NO_CODE the seed labels that have no FFB concept.
import { norm } from './lib.mjs';

export const FFB_CATALOGS = {
  'ffb-sociale-tilbud': {
    root: 'f708aea3-66bd-46c6-af11-7bf28942fa47', // Tilbud
    seedHeading: 'Sociale tilbud',
    tree: [
      ['Dagtilbud til voksne', [['Aktivitets- og samværstilbud'], ['Beskyttet beskæftigelsestilbud']]],
      [
        'Botilbud til voksne',
        [
          ['Midlertidigt botilbud'],
          ['Længerevarende botilbud', [['almindeligt længerevarende botilbud'], ['sikret længerevarende botilbud']]],
        ],
      ],
      ['Botilbudslignende tilbud', [['Almen ældre- og handicapvenlig bolig']]],
      ['Mobile tilbud', [['Mobilt tilbud']]],
      ['Sociale akuttilbud', [['Socialt akuttilbud']]],
    ],
  },
  'ffb-ydelser': {
    root: 'af7624f8-affd-4a7e-8754-b1b1dd9d8def', // Ydelse
    seedHeading: 'Ydelser',
    tree: [
      ['Ophold', [['Akut ophold'], ['Midlertidigt ophold'], ['Længerevarende ophold']]],
      ['Beskyttet beskæftigelse', [['Service'], ['Produktion og værksted'], ['Praktikforløb']]],
      [
        'Aktivitet og samvær',
        [
          ['Social aktivitet'],
          ['Fysisk aktivitet'],
          ['Sansestimulerende aktivitet'],
          ['Oplevelsesaktivitet'],
          ['Kreativ aktivitet'],
          ['Kompetenceudviklende aktivitet'],
        ],
      ],
      [
        'Socialpædagogisk støtte',
        [
          [
            'Støtte til praktiske opgaver',
            [['støtte til daglige opgaver i hjemmet'], ['støtte til administration'], ['støtte til etablering i bolig']],
          ],
          [
            'Støtte til samfundsdeltagelse',
            [
              ['støtte til kontakt til offentlige og private instanser'],
              ['støtte til transport'],
              ['støtte til beskæftigelse'],
              ['støtte til uddannelse'],
            ],
          ],
          [
            'Støtte til relationer og fællesskaber',
            [['støtte til sociale relationer'], ['støtte til varetagelse af forældrerollen']],
          ],
          [
            'Støtte til sundhed',
            [
              ['støtte til behandling'],
              ['støtte til sund levevis'],
              ['støtte til personlig hygiejne'],
              ['støtte til seksualitet'],
              ['støtte til psykisk trivsel'],
            ],
          ],
        ],
      ],
      [
        'Forebyggende hjælp og støtte',
        [
          ['Gruppebaseret hjælp og støtte'],
          ['Individuel tidsbegrænset socialpædagogisk hjælp og støtte'],
          ['Akut rådgivning, omsorg og støtte'],
          [
            'Hjælp og støtte etableret i samarbejde med frivillige',
            [
              ['gruppebaseret hjælp og støtte leveret i samarbejde med frivillige'],
              ['individuel tidsbegrænset socialpædagogisk hjælp og støtte leveret i samarbejde med frivillige'],
            ],
          ],
        ],
      ],
      ['Afklaring', [['Pædagogisk udredning']]],
    ],
  },
  'ffb-maalgrupper': {
    root: 'cda90d67-f65a-4a34-b8d8-168ee9ff0949', // Målgruppe
    seedHeading: 'Målgrupper',
    tree: [
      [
        'Fysiske funktionsnedsættelser',
        [
          ['Døvblindhed', [['medfødt døvblindhed'], ['erhvervet døvblindhed']]],
          ['Hørenedsættelse'],
          ['Kommunikationsnedsættelse'],
          ['Mobilitetsnedsættelse'],
          ['Synsnedsættelse'],
          ['Anden fysisk funktionsnedsættelse'],
        ],
      ],
      [
        'Psykisk funktionsnedsættelse',
        [
          [
            'Intellektuel/kognitiv forstyrrelse',
            [
              ['Demens'],
              ['Hjerneskade', [['erhvervet hjerneskade'], ['medfødt hjerneskade']]],
              [
                'Udviklingsforstyrrelse',
                [
                  ['autismespektrum'],
                  ['opmærksomhedsforstyrrelse'],
                  ['udviklingsforstyrrelse af sansemotoriske færdigheder'],
                  ['udviklingsforstyrrelse af skolefærdigheder'],
                  ['udviklingsforstyrrelse af tale og sprog'],
                  ['anden udviklingsforstyrrelse'],
                ],
              ],
              ['Udviklingshæmning'],
              ['Anden intellektuel/kognitiv forstyrrelse'],
            ],
          ],
          [
            'Psykiske vanskeligheder',
            [
              ['Angst'],
              ['Depression'],
              ['Forandret virkelighedsopfattelse'],
              ['Personlighedsforstyrrelse'],
              ['Spiseforstyrrelse'],
              ['Stressbelastning'],
              ['Tilknytningsforstyrrelse'],
              ['Anden psykisk vanskelighed'],
            ],
          ],
        ],
      ],
      [
        'Socialt problem',
        [
          ['Hjemløshed'],
          ['Indadreagerende adfærd'],
          ['Kriminalitet', [['personfarlig kriminalitet'], ['ikke-personfarlig kriminalitet']]],
          ['Misbrug', [['alkoholmisbrug'], ['stofmisbrug']]],
          ['Omsorgssvigt'],
          ['Overgreb', [['seksuelt overgreb'], ['voldeligt overgreb'], ['andet overgreb']]],
          ['Prostitution'],
          ['Seksuelt krænkende adfærd'],
          ['Selvmordstanker eller -forsøg'],
          ['Selvskadende adfærd'],
          ['Social isolation'],
          ['Udadreagerende adfærd'],
          ['Andet socialt problem'],
        ],
      ],
      ['Multipel funktionsnedsættelse', [['Mutipel funktionsnedsættelse']]],
      ['Sjældent forekommende funktionsnedsættelse', [['Sjældent forekommende funktionsnedsættelse']]],
    ],
  },
  'ffb-funktionsevne': {
    root: 'b3ddc7d7-f6c1-4d47-8280-456992cbe0a6', // FFB tilstande (not a seed item)
    seedHeading: null,
    tree: [
      [
        'Funktioner og forhold',
        [
          ['Fysiske funktioner', [['Hørelse'], ['Stemme og tale'], ['Syn'], ['Bevægelse'], ['Smerte og sansefunktioner']]],
          [
            'Sundhedsforhold',
            [
              ['Kost'],
              ['Søvn'],
              ['Døgnrytme'],
              ['Motion'],
              ['Tobak'],
              ['Rusmidler'],
              ['Fysisk helbred'],
              ['Sundhedsfaglig behandling og træning'],
            ],
          ],
          [
            'Sociale forhold',
            [
              ['Familiesituation'],
              ['Boligsituation'],
              ['Økonomisk situation'],
              ['Uddannelse og job'],
              ['Interesser'],
              ['Traumatiske oplevelser'],
              ['Kriminalitet'],
              ['Prostitution'],
            ],
          ],
          [
            'Mentale funktioner',
            [
              ['Bevidsthedstilstand'],
              ['Orienteringsevne'],
              ['Igangsætning og motivation'],
              ['Intellektuelle funktioner'],
              ['Psykosociale funktioner'],
              ['Hukommelse'],
              ['Følelser og adfærd'],
              ['Opmærksomhed og koncentrationsevne'],
              ['Virkelighedsopfattelse'],
              ['Organisering og planlægning'],
              ['Problemløsning'],
              ['Indsigt i egen situation'],
            ],
          ],
        ],
      ],
      [
        'Aktivitet og deltagelse',
        [
          [
            'Praktiske opgaver',
            [
              ['Udvise hjælp og omsorg for andre'],
              ['Passe ejendele'],
              ['Købe ind'],
              ['Lave mad'],
              ['Gøre rent'],
              ['Vaske tøj'],
            ],
          ],
          [
            'Relationer',
            [
              ['Indgå i samspil og kontakt'],
              ['Deltage i sociale fællesskaber og fritidsaktiviteter'],
              ['Varetage relationer til netværk'],
            ],
          ],
          [
            'Kommunikation',
            [
              ['Forstå meddelelser'],
              ['Fremstille meddelelser'],
              ['Samtale'],
              ['Anvende kommunikationsudstyr og – teknikker'],
            ],
          ],
          [
            'Egenomsorg',
            [
              ['Klæde sig af og på'],
              ['Vaske sig'],
              ['Pleje sin krop'],
              ['Spise'],
              ['Drikke'],
              ['Gå på toilettet'],
              ['Varetage sin seksualitet'],
              ['Dyrke interesse'],
              ['Varetage egen sundhed'],
            ],
          ],
          [
            'Mobilitet',
            [
              ['Gå og bevæge sig'],
              ['Ændre og opretholde kropsstilling'],
              ['Bære, flytte og håndtere genstande'],
              ['Færdes med transportmidler'],
            ],
          ],
          [
            'Samfundsliv',
            [['Varetage uddannelse'], ['Varetage beskæftigelse'], ['Varetage økonomi'], ['Varetage bolig'], ['Håndtere post']],
          ],
        ],
      ],
      ['Omgivelsesfaktorer', [['Omgivelser', [['Boligområde'], ['Holdninger i omgivelserne'], ['Personer i netværk']]]]],
    ],
  },
};

/** Seed labels whose FFB display differs; keyed by normalised seed label. */
export const OVERRIDES = {
  'Midlertidigt botilbud': {
    code: '25de7444-3919-4dab-b844-8cec6c15f30e',
    why: 'FFB display adds "til voksne" (the seed lists it under "Botilbud til voksne")',
  },
  'Længerevarende botilbud': {
    code: '96c97f55-a11b-47f8-aa52-6fdae4e804c2',
    why: 'FFB display adds "til voksne" (the seed lists it under "Botilbud til voksne")',
  },
  'almindeligt længerevarende botilbud': {
    code: '498fe92c-d7f7-41cd-9404-5b38fe113be0',
    why: 'FFB display adds "til voksne"',
  },
  'sikret længerevarende botilbud': {
    code: '070016aa-e164-4813-aca5-b75acab89d63',
    why: 'FFB display adds "til voksne"',
  },
  'gruppebaseret hjælp og støtte leveret i samarbejde med frivillige': {
    code: 'b6e1f331-fccf-4a33-8bb6-566546edc405',
    why: 'FFB display says "etableret i samarbejde med frivillige" where the seed says "leveret i samarbejde med frivillige"; it is the group-based child of "Hjælp og støtte etableret i samarbejde med frivillige" (FFB definition: "... der konkret leveres som gruppebaseret ...")',
  },
  'Fysiske funktionsnedsættelser': {
    code: '112cc0ba-9953-476c-a971-2671697d7639',
    why: 'seed heading is plural; FFB display is "Fysisk funktionsnedsættelse"',
  },
  'Mutipel funktionsnedsættelse': {
    code: 'f1c7ee41-21b4-4dba-9424-c874bf72b5e7',
    why: 'typing error in the seed ("Mutipel"); FFB display "Multipel funktionsnedsættelse"',
  },
  'Anvende kommunikationsudstyr og – teknikker': {
    code: 'a80e8f96-18ba-4ee4-9496-d3ce882c2f85',
    why: 'punctuation differs: FFB display "Anvende kommunikationsudstyr- og teknikker"',
  },
};

/** Seed labels that are grouping headings of the slides only, with no FFB concept. */
export const NO_CODE = {
  'Mobile tilbud':
    'slide heading (plural) over "Mobilt tilbud"; FFB has no such grouping - "Mobilt tilbud" sits directly under "Tilbud"',
  'Sociale akuttilbud':
    'slide heading (plural) over "Socialt akuttilbud"; FFB has no such grouping - "Socialt akuttilbud" sits directly under "Tilbud"',
};

export const key = (s) =>
  norm(s)
    .toLowerCase()
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s*-\s*/g, '-');

/**
 * Map a catalog tree onto FFB. Returns the flat list of rows in seed order:
 * { label, path, depth, code|null, display|null, how }.
 */
export function mapCatalog(ffb, catalog) {
  const { index } = ffb;
  const rows = [];
  const below = (code) => {
    const out = [];
    for (const [c, e] of index) if (e.path.includes(code) && c !== code) out.push(e.concept);
    return out;
  };
  const walk = (nodes, anchor, pth, depth) => {
    for (const [label, children] of nodes) {
      let code = null;
      let how;
      if (OVERRIDES[label]) {
        code = OVERRIDES[label].code;
        how = `override: ${OVERRIDES[label].why}`;
        if (!index.get(code).path.includes(anchor)) throw new Error(`override ${label} outside ${anchor}`);
      } else if (NO_CODE[label]) {
        how = `no FFB code: ${NO_CODE[label]}`;
      } else {
        // A slide heading may repeat its single item (e.g. "Sjældent forekommende
        // funktionsnedsættelse"): then the item is the heading's own concept.
        const candidates = anchor === catalog.root ? below(anchor) : [index.get(anchor).concept, ...below(anchor)];
        const hits = candidates.filter((c) => key(c.display) === key(label));
        if (hits.length !== 1) throw new Error(`FFB match for "${label}" below ${anchor}: ${hits.length} hits`);
        code = hits[0].code;
        how = 'display match (case-insensitive)';
      }
      const display = code ? index.get(code).concept.display : null;
      rows.push({ label, path: [...pth, label], depth, code, display, how });
      if (children) walk(children, code || anchor, [...pth, label], depth + 1);
    }
  };
  walk(catalog.tree, catalog.root, [], 1);
  return rows;
}
