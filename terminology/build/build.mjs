// Generate the project's terminology resources from terminology/kl and terminology/seeds.
//
//   node terminology/build/build.mjs
//
// Writes terminology/catalogs, terminology/supplements, terminology/conceptmaps,
// terminology/examples/kommune-370 (JSON only; the README files are hand-written) and
// terminology/build/ffb-seed-mapping.md. Deterministic: rerunning gives identical bytes.
import path from 'node:path';
import fs from 'node:fs';
import {
  BASE,
  DATE,
  FFB,
  FSIII,
  JURISDICTION_DK,
  KL_COPYRIGHT,
  KL_CS_VERSION,
  KL_DIR,
  PUBLISHER,
  TERM_DIR,
  VERSION,
  between,
  descendants,
  loadCodeSystem,
  norm,
  readJson,
  readSeed,
  verbatim,
  writeJson,
} from './lib.mjs';
import { parse119, parse140 } from './seed-parse.mjs';
import { FFB_CATALOGS, mapCatalog } from './ffb-seed.mjs';

const fsiii = loadCodeSystem('CodeSystem-FSIII.json');
const ffb = loadCodeSystem('CodeSystem-FFB.json');
const mapping = readJson(path.join(KL_DIR, 'seed-catalog-mapping.json'));
const legacy = readJson(path.join(KL_DIR, 'FSIII-legacy-key-to-uuid.json'));

const TOBAK_RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5';
const TOBAK_CURRENT = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const G119 = mapping.para119.groupingConcept; // 102ea764-... Kommunale sundhedsfremme og forebyggelsesindsatser
const G140 = mapping.para140.groupingConcept; // 7deb81de-... Kommunal genoptræning efter sygehusophold-indsatser

function fsiiiDisplay(code) {
  const e = fsiii.index.get(code);
  if (!e) throw new Error(`not an FSIII code: ${code}`);
  return e.concept.display;
}
function ffbDisplay(code) {
  const e = ffb.index.get(code);
  if (!e) throw new Error(`not an FFB code: ${code}`);
  return e.concept.display;
}

const out = (...p) => path.join(TERM_DIR, ...p);

// ---------------------------------------------------------------------------------------
// Seed interventions joined with their FSIII codes
// ---------------------------------------------------------------------------------------
const seed119 = parse119();
const seed140 = parse140();

function joinCodes(parsed, para, niveau1, lovparagraf) {
  if (parsed.length !== para.interventions.length) throw new Error('intervention count mismatch');
  return parsed.map((p, i) => {
    const m = para.interventions[i];
    if (m.seedTitle !== p.title) throw new Error(`order mismatch: ${m.seedTitle} / ${p.title}`);
    if (fsiii.index.get(m.code).parent !== niveau1) throw new Error(`${m.code} not under ${niveau1}`);
    const code = m.code === TOBAK_RETIRED ? TOBAK_CURRENT : m.code;
    if (fsiii.index.get(code).parent !== niveau1) throw new Error(`${code} not under ${niveau1}`);
    return { ...p, code, seedMappedCode: m.code, display: fsiiiDisplay(code), niveau1, lovparagraf };
  });
}
const iv119 = joinCodes(seed119, mapping.para119, G119, 'Sundhedsloven §119');
const iv140 = joinCodes(seed140, mapping.para140, G140, 'Sundhedsloven §140');

// ---------------------------------------------------------------------------------------
// Catalog introductions (description paragraphs, each verbatim from the normalised seed)
// ---------------------------------------------------------------------------------------
function paragraphs(text, specs) {
  let pos = 0;
  return specs.map((s) => {
    const p = Array.isArray(s) ? between(text, s[0], s[1], pos) : verbatim(text, s);
    const at = text.indexOf(p, pos);
    if (at < 0) throw new Error(`paragraph out of order: ${p.slice(0, 60)}`);
    pos = at + p.length;
    return p;
  });
}

const t119 = norm(readSeed('p119'));
const intro119 = paragraphs(t119, [
  'Indledning',
  ['KL har sammen med 10 udvalgte kommuner', 'sundhedslovens §119.'],
  'Indsatskataloget indgår som en del af FSIII til sundhedsfremme og forebyggelse.',
  ['Indsatskataloget er udarbejdet med afsæt i', 'tilbud til borgere med kronisk sygdom.'],
  'Hvad er fælleskommunale indsatser?',
  ['De beskrevne indsatser er fælleskommunale', 'samtlige fælleskommunale indsatser.'],
  ['De fælleskommunale indsatser er typisk formuleret', 'i den enkelte kommune.'],
  ['Når kommunerne implementerer', 'fælleskommunale indsatser er beskrevet.'],
  ['Det er en opgave for den enkelte kommune', 'opsætning af indsatser i EOJ-system.'],
  'Indsatskatalogets indhold',
  'Indsatskataloget består af to afsnit: tværgående elementer og indsatser',
  'Tværgående elementer (s. 4)',
  ['Indsatskataloget indledes med afsnittet', 'den sundhedspædagogiske tilgang.'],
  ['De tværgående elementer bliver ikke beskrevet', 'iboende i alle indsatser.'],
  'Indsatser (s. 5-9)',
  ['Der er i alt 14 fælleskommunale indsatser', 'formål og eksempler.'],
  'Eksempel',
  ['Den fælleskommunale indsats fysisk træning (indsatstitel)', 'forbedre konditionen (formål).'],
  'Tværgående elementer',
  ['De kommunale indsatser til borgere med kronisk sygdom efter', 'for at opnå denne ændring.'],
  ['Centralt for alle indsatser er en sundhedspædagogisk tilgang', 'fald i funktionsevne hos borgeren.'],
  ['Den sundhedspædagogiske tilgang bygger på', 'de relationer borgeren har.'],
  ['Da alle indsatser indeholder sundhedspædagogiske elementer', 'tilgang beskrevet.'],
  ['Ligeledes vil elementerne netværksdannelse', 'med sundhed i et hverdagsperspektiv.'],
  ['Det er muligt at læse mere om den sundhedspædagogiske tilgang', 'Sundhedsstyrelsen (2016).'],
]);

const t140 = norm(readSeed('p140'));
const intro140 = paragraphs(t140, [
  'Indledning',
  ['KL har sammen med 15 udvalgte kommuner', 'sundhedslovens §140.'],
  'Indsatskataloget indgår som en del af FSIII til genoptræning.',
  ['Indsatskataloget er udarbejdet med afsæt i arbejdsgruppens bidrag', 'det kommunale genoptræningområde.'],
  'Hvad er fælleskommunale indsatser?',
  ['De beskrevne indsatser er fælleskommunale', 'samtlige fælleskommunale indsatser.'],
  ['De fælleskommunale indsatser er typisk formuleret', 'i den enkelte kommune.'],
  ['Når kommunerne implementerer', 'fælleskommunale indsatser er beskrevet.'],
  ['Det er en opgave for den enkelte kommune', 'til de fælleskommunale indsatser.'],
  ['Der er i alt 10 fælleskommunale indsatser', 'beskrivelse og eksempler.'],
]);

const tffb = norm(readSeed('ffb'));
const ffbCommon = paragraphs(tffb, [
  'Hvad er en indsats?',
  ['En social indsats er summen af flere elementer', 'med et beskrevet formål.'],
  ['Man kan opdele en social indsats', 'servicelovens målgrupper.'],
  ['Mere konkret består en social indsats', 'af ét tilbud.'],
  ['Det er altså det, vi iværksætter', 'klare sig selv.'],
]);
const ffbComponent = {
  'ffb-maalgrupper': ['Målgruppe', 'En målgruppe er en gruppe, hvis medlemmer en indsats er rettet imod.'],
  'ffb-ydelser': ['Ydelse', 'En ydelse er en tjeneste, genstand eller et beløb, der gives eller modtages.'],
  'ffb-sociale-tilbud': ['Tilbud', 'Et tilbud er en organisation, der leverer ydelser.'],
};
const ffbTail = paragraphs(tffb, [
  'De fælleskommunale kataloger',
  'Paragrafafgrænsning',
  ['De tre kataloger er udarbejdet efter', 'Almenboliglovens §105.'],
  ['Fælleskommunalt indsatskatalog version 3.00', '& Almenboliglovens §105'],
  'Informationer om begreberne og begrebernes definitioner kan ses på www.kl.dk/ffb',
]);
const ffbFunktionsevne = paragraphs(tffb, [
  ['Den fælleskommunale funktionsevneguide der kan bruges', 'opnået funtionsevneniveau.'],
  'Fælleskommunalt funktionsevnekatalog version 3.0',
  'Informationer om begreberne og begrebernes definitioner kan findes på www.kl.dk/ffb',
  'Fælleskommunal funktionsevneguide version 2.01',
  ['”Når du vurderer, om borgeren udfører en given aktivitet', 'overskue udførelsen uden støtte.”'],
]);
for (const [k, v] of Object.entries(ffbComponent)) v.forEach((s) => verbatim(tffb, s));

// ---------------------------------------------------------------------------------------
// 3. Catalog ValueSets
// ---------------------------------------------------------------------------------------
function valueSet({ id, name, title, description, purpose, system, concepts }) {
  const seen = new Set();
  const concept = [];
  for (const c of concepts) {
    if (seen.has(c.code)) continue;
    seen.add(c.code);
    concept.push({ code: c.code, display: c.display });
  }
  return {
    resourceType: 'ValueSet',
    id,
    language: 'da',
    url: `${BASE}/ValueSet/${id}`,
    version: VERSION,
    name,
    title,
    status: 'active',
    experimental: false,
    date: DATE,
    publisher: PUBLISHER,
    description,
    jurisdiction: JURISDICTION_DK,
    purpose,
    copyright: KL_COPYRIGHT,
    compose: { include: [{ system, concept }] },
  };
}

writeJson(
  out('catalogs', 'ValueSet-indsatskatalog-119.json'),
  valueSet({
    id: 'indsatskatalog-119',
    name: 'Indsatskatalog119',
    title: 'Fælleskommunalt indsatskatalog – forebyggelse, sundhedsloven §119',
    description: intro119.join('\n\n'),
    purpose:
      'De 14 fælleskommunale indsatser (niveau 2) i indsatskataloget for forebyggelsestilbud til borgere med kronisk sygdom efter sundhedslovens §119, i katalogets rækkefølge, på FSIII-koder (urn:oid:1.2.208.176.2.21). ' +
      'Katalogets "Tobaksafvænning" er repræsenteret ved den gældende kode "Nikotin- og tobaksafvænning" (6d24992e-e0a2-43e7-bc27-0234622a8655); den udgåede kode c203c6b5-3be0-40a8-8204-e93751deabf5 indgår ikke. ' +
      'Indsatsernes beskrivelse, formål og eksempler findes i supplementet http://faelles-tx.dk/fhir/CodeSystem/fsiii-indsatskatalog. ' +
      'The 14 common §119 prevention interventions (level 2) of the catalog, on FSIII codes, in catalog order; the retired Tobaksafvænning code is replaced by its successor.',
    system: FSIII,
    concepts: iv119,
  }),
);

writeJson(
  out('catalogs', 'ValueSet-indsatskatalog-140.json'),
  valueSet({
    id: 'indsatskatalog-140',
    name: 'Indsatskatalog140',
    title: 'Fælleskommunalt indsatskatalog – genoptræning, sundhedsloven §140',
    description: intro140.join('\n\n'),
    purpose:
      'De 10 fælleskommunale indsatser (niveau 2) i indsatskataloget for genoptræning efter sundhedslovens §140, i katalogets rækkefølge, på FSIII-koder (urn:oid:1.2.208.176.2.21). ' +
      'Indsatsernes beskrivelse og eksempler findes i supplementet http://faelles-tx.dk/fhir/CodeSystem/fsiii-indsatskatalog. ' +
      'The 10 common §140 rehabilitation interventions (level 2) of the catalog, on FSIII codes, in catalog order.',
    system: FSIII,
    concepts: iv140,
  }),
);

const ffbRows = {};
const ffbVsMeta = {
  'ffb-sociale-tilbud': {
    name: 'FfbSocialeTilbud',
    title: 'FFB – Sociale tilbud (fælleskommunalt indsatskatalog, voksne)',
    what: 'delkataloget Sociale tilbud',
    en: 'The sub-catalog Social services (providers)',
  },
  'ffb-ydelser': {
    name: 'FfbYdelser',
    title: 'FFB – Ydelser (fælleskommunalt indsatskatalog, voksne)',
    what: 'delkataloget Ydelser',
    en: 'The sub-catalog Services',
  },
  'ffb-maalgrupper': {
    name: 'FfbMaalgrupper',
    title: 'FFB – Målgrupper (fælleskommunalt indsatskatalog, voksne)',
    what: 'delkataloget Målgrupper',
    en: 'The sub-catalog Target groups',
  },
  'ffb-funktionsevne': {
    name: 'FfbFunktionsevne',
    title: 'FFB – Fælleskommunalt funktionsevnekatalog (voksne)',
    what: 'funktionsevnekataloget (Funktioner og forhold, Aktivitet og deltagelse, Omgivelsesfaktorer)',
    en: 'The function-ability catalog (functions and conditions, activity and participation, environmental factors)',
  },
};
for (const [id, catalog] of Object.entries(FFB_CATALOGS)) {
  const rows = mapCatalog(ffb, catalog);
  ffbRows[id] = rows;
  const meta = ffbVsMeta[id];
  const noCode = rows.filter((r) => !r.code).map((r) => `"${r.label}"`);
  const description =
    id === 'ffb-funktionsevne'
      ? ffbFunktionsevne.join('\n\n')
      : [...ffbCommon, ...ffbComponent[id], ...ffbTail].join('\n\n');
  writeJson(
    out('catalogs', `ValueSet-${id}.json`),
    valueSet({
      id,
      name: meta.name,
      title: meta.title,
      description,
      purpose:
        `FFB (Fælles Faglige Begreber), det specialiserede socialområde for voksne: ${meta.what} med hierarkiet fra KL's præsentation, på FFB-koder (urn:oid:1.2.208.176.2.22) fundet ved at sammenligne præsentationens betegnelser med FFB's displaytekster. ` +
        'Grupperingsniveauerne er med, når de findes i FFB; rækkefølgen er præsentationens (forælder før børn). ' +
        (noCode.length ? `Uden FFB-kode (kun overskrifter i præsentationen): ${noCode.join(', ')}. ` : '') +
        `Se terminology/PROVENANCE.md og terminology/build/ffb-seed-mapping.md. English: ${meta.en} of FFB (specialised social area, adults), mapped onto FFB codes by display; grouping levels included where FFB has them.`,
      system: FFB,
      concepts: rows.filter((r) => r.code).map((r) => ({ code: r.code, display: ffbDisplay(r.code) })),
    }),
  );
}

// FFB mapping report (generated, for review)
{
  const lines = [
    '# FFB seed → FFB code mapping (generated by build.mjs, do not edit)',
    '',
    'Source: `seeds/ffb-faelleskommunale-kataloger-social-voksne.txt` and `kl/CodeSystem-FFB.json` (urn:oid:1.2.208.176.2.22, version 20240530).',
    '',
  ];
  for (const [id, rows] of Object.entries(ffbRows)) {
    lines.push(`## ${id}`, '', '| seed label (indent = level) | FFB code | FFB display | how |', '|---|---|---|---|');
    for (const r of rows) {
      lines.push(
        `| ${'&nbsp;&nbsp;'.repeat(r.depth - 1)}${r.label} | ${r.code ? '`' + r.code + '`' : '—'} | ${r.display || '—'} | ${r.how} |`,
      );
    }
    lines.push('');
  }
  fs.writeFileSync(out('build', 'ffb-seed-mapping.md'), lines.join('\n'), 'utf8');
}

// ---------------------------------------------------------------------------------------
// 4. Supplement: the seed catalog texts on the FSIII codes
// ---------------------------------------------------------------------------------------
const SUPP_URL = `${BASE}/CodeSystem/fsiii-indsatskatalog`;
const prop = (code, type, da, en) => ({
  code,
  uri: `${SUPP_URL}#${code}`,
  description: `${da} / ${en}`,
  type,
});
const supplementProps = [
  prop(
    'indsatstitel',
    'string',
    'Indsatstitel som den står i indsatskataloget (kan afvige fra FSIII-display, fx "Tobaksafvænning" på koden for "Nikotin- og tobaksafvænning").',
    'Intervention title as written in the catalog (may differ from the FSIII display).',
  ),
  prop(
    'beskrivelse',
    'string',
    'Beskrivelse: kort beskrivelse af HVAD indsatsen indeholder, ordret fra indsatskataloget.',
    'Description: short description of WHAT the intervention contains, verbatim from the catalog.',
  ),
  prop(
    'formaal',
    'string',
    'Formål: beskriver det vi gerne vil opnå – HVORFOR, ordret fra indsatskataloget (kun §119-kataloget har formål).',
    'Purpose: what the intervention aims to achieve – WHY, verbatim (only the §119 catalog states a purpose).',
  ),
  prop(
    'eksempel-indledning',
    'string',
    'Den indledende linje til eksempellisten, fx "Den afklarende samtale kan fx omhandle:".',
    'The line introducing the list of examples.',
  ),
  prop(
    'eksempel',
    'string',
    'Et eksempel på HVORDAN formålet opnås; én værdi pr. eksempel i katalogets rækkefølge. Listen er ikke udtømmende; katalogets afsluttende "mm." er ikke medtaget som eksempel.',
    'One example of HOW the aim is reached; one value per example, in catalog order. The list is not exhaustive; the closing "mm." (etc.) of the catalog is not an example and is left out.',
  ),
  prop(
    'fodnote',
    'string',
    'Fodnote fra indsatskataloget knyttet til indsatsen (fodnotemarkøren står i titel eller beskrivelse).',
    'Catalog footnote attached to the intervention (its marker is in the title or description).',
  ),
  prop('niveau', 'integer', 'Niveau i indsatskataloget: 2 = fælleskommunal indsats.', 'Catalog level: 2 = common intervention.'),
  prop(
    'lovparagraf',
    'string',
    'Den lovparagraf indsatsen leveres efter.',
    'The act and section the intervention is delivered under.',
  ),
  prop(
    'niveau1',
    'code',
    'Niveau 1: det FSIII-grupperingsbegreb (paragraffen), som indsatsen ligger under.',
    'Level 1: the FSIII grouping concept (law section) the intervention sits under.',
  ),
];

function supplementConcept(iv) {
  const p = [];
  const s = (code, valueString) => p.push({ code, valueString });
  s('indsatstitel', iv.title);
  s('beskrivelse', iv.beskrivelse);
  if (iv.formaal) s('formaal', iv.formaal);
  s('eksempel-indledning', iv.eksempelIndledning);
  for (const e of iv.eksempler) s('eksempel', e);
  if (iv.fodnote) s('fodnote', iv.fodnote);
  p.push({ code: 'niveau', valueInteger: 2 });
  s('lovparagraf', iv.lovparagraf);
  p.push({ code: 'niveau1', valueCode: iv.niveau1 });
  return { code: iv.code, display: iv.display, property: p };
}

writeJson(out('supplements', 'CodeSystem-fsiii-indsatskatalog.json'), {
  resourceType: 'CodeSystem',
  id: 'fsiii-indsatskatalog',
  language: 'da',
  url: SUPP_URL,
  version: VERSION,
  name: 'FsiiiIndsatskatalog',
  title: 'FSIII indsatskataloger §119 og §140 – beskrivelse, formål og eksempler',
  status: 'active',
  experimental: false,
  date: DATE,
  publisher: PUBLISHER,
  description:
    'Supplement til FSIII (urn:oid:1.2.208.176.2.21, version 20240530) med de fælleskommunale indsatskatalogers tekster for de 24 indsatser: 14 efter sundhedslovens §119 (forebyggelse) og 10 efter sundhedslovens §140 (genoptræning). ' +
    'Teksterne er ordrette fra katalogerne (PDF-udtræk, whitespace normaliseret). Katalogets "Tobaksafvænning" står på den gældende kode "Nikotin- og tobaksafvænning" (6d24992e-e0a2-43e7-bc27-0234622a8655), ikke på den udgåede c203c6b5-3be0-40a8-8204-e93751deabf5.\n\n' +
    'Supplement to FSIII carrying the catalog texts (description, purpose, examples) of the 24 common §119/§140 interventions, verbatim from the KL catalogs.',
  jurisdiction: JURISDICTION_DK,
  copyright: KL_COPYRIGHT,
  content: 'supplement',
  supplements: `${FSIII}|${KL_CS_VERSION}`,
  count: iv119.length + iv140.length,
  property: supplementProps,
  concept: [...iv119, ...iv140].map(supplementConcept),
});

// ---------------------------------------------------------------------------------------
// 5. Status supplement (retired / outgoing FSIII concepts)
// ---------------------------------------------------------------------------------------
const STATUS_URL = `${BASE}/CodeSystem/fsiii-status`;
const legacyOf = new Map(legacy.pairs.map((p) => [p.uuidCode, p.legacyCode]));
const EV = {
  gw119:
    'hl7dk/kl-gateway-prevention input/fsh/119CodeSystem.fsh i commit 3aa34f1fca0893c5fcb9807cc0ce945a6866dd23 (2024-06-06) udelader begrebet fra §119-gatewayens værdisæt, "to prevent reporting on concepts that are inactivated in the simplification"; den senere eksplicitte liste (kl/gateway-prevention, commit 86298d513783) udelader det stadig',
  fshTherapy:
    'hl7dk/kl-term input/fsh/KLCommonValuesets.fsh (læst i commit 2b27508d3559419a9e10b965c35db8bc20bca876), ValueSet KLConditionCodesTheraphy, markerer grupperingens include "udgående"',
  gw140: (what = 'ikke begrebet') =>
    `KL's §140-gatewayværdisæt http://fhir.kl.dk/rehab/ValueSet/Conditions140 (kl/gateway-rehab/ValueSet-Conditions140.json, hl7dk/kl-gateway-rehab commit 2007eb608cc6; 17 eksplicitte koder) indeholder ${what}, selv om termværdisættet KLConditionCodesTheraphy gør`,
  fshHomeCare:
    'hl7dk/kl-term input/fsh/KLCommonValuesets.fsh (læst i commit 2b27508d3559419a9e10b965c35db8bc20bca876), ValueSet KLConditionCodesHomeCare, kommentaren "Samfundsliv - J5 - udgående"; KL\'s gateway for hjemmepleje (FSIIICareConditions) tager stadig imod begrebet',
  fshGeneral:
    'hl7dk/kl-term input/fsh/KLCommonValuesets.fsh (læst i commit 2b27508d3559419a9e10b965c35db8bc20bca876), ValueSet KLGeneralInformationFSIII, kommentaren "F generelle oplysninger - udgående"',
};
const statusEntries = [];
const addStatus = (code, status, reason, replacedBy) => {
  if (!fsiii.index.has(code)) throw new Error(`status: unknown code ${code}`);
  if (statusEntries.some((e) => e.code === code)) return;
  const lk = legacyOf.get(code);
  const text = reason + (lk ? `. Tvillingen med den gamle nøgle (legacy key) "${lk}" har samme betydning (se ConceptMap fsiii-legacy-keys).` : '.');
  statusEntries.push({ code, status, reason: text, replacedBy });
};

addStatus(
  TOBAK_RETIRED,
  'retired',
  `Udgået ved forenklingen af FSIII i 2024: ${EV.gw119}; KL's gatewayværdisæt KLInterventionCodes119 bruger "Nikotin- og tobaksafvænning" ${TOBAK_CURRENT} i stedet, og det begrebs definition dækker samme indhold (afvænning fra tobak og nikotin)`,
  TOBAK_CURRENT,
);
addStatus(
  '525b5dd8-d62b-4efa-bf66-262ac47eca5b',
  'retired',
  `Udgået ved forenklingen af FSIII i 2024: ${EV.gw119} (ValueSet KLConditionCodes119); det er det eneste underbegreb til "Mental sundhed", som gatewayværdisættet udelader. KL nævner intet afløserbegreb; søskendebegrebet "Trivsel" ba083ca7-fe46-41d0-acd5-85851ac8137f nævner de samme eksempler (nedtrykthed, stress, ængstelighed, bekymring), så replacedBy er ikke angivet`,
);

// §140 condition groupings marked "udgående" + all their descendants
const THERAPY_OUTGOING = [
  '7e608d37-3f3c-4374-bbc8-e317505d8bc2', // Samfundsliv
  'ebd91b5e-114a-48a5-90b8-d3c1fd50b72b', // Viden og udvikling
  'ecb5e72d-40a2-4af3-9135-25974026bf02', // Ernæring
  'ddbd7477-9579-4a83-a3e7-74ed716a0451', // Hud og hævelser
  '99b18761-88d7-44b2-915d-c64aa0b3b562', // Hjerte og lunger
  '2b11e7a0-1faf-4b45-a653-4c347f019266', // Bevægeapperatet
  '0337193a-b5cc-43e1-a324-fa28944bfc3b', // Sanser og smerter
];
const conditions140 = new Set(
  readJson(path.join(KL_DIR, 'gateway-rehab', 'ValueSet-Conditions140.json')).compose.include.flatMap((i) =>
    (i.concept || []).map((c) => c.code),
  ),
);
for (const g of THERAPY_OUTGOING) {
  if (fsiii.index.get(g).parent !== '94db6c71-859d-43e6-9a62-4e7fa7daf767') throw new Error(`${g} not a §140 condition group`);
  addStatus(g, 'deprecated', `Udgående gruppering af §140-tilstande: ${EV.fshTherapy}; ${EV.gw140('hverken grupperingen eller nogen af dens underbegreber')}`);
  for (const c of descendants(fsiii.cs, g)) {
    if (conditions140.has(c.code)) throw new Error(`${c.code} is in Conditions140`);
    addStatus(
      c.code,
      'deprecated',
      `Udgående §140-tilstand under grupperingen "${fsiiiDisplay(g)}" (${g}), hvis include er markeret "udgående" i ${EV.fshTherapy.split(', ValueSet')[0]}; ${EV.gw140()}`,
    );
  }
}
// §140 groupings that continue: children that KL's gateway no longer accepts
const THERAPY_CONTINUING = [
  'b9c4561d-20bc-48c9-a727-fea719424a86', // Praktiske opgaver
  'e3242303-2506-4a09-ac65-59dfd06cb489', // Mobilitet
  'df62498e-7ad1-4f01-93ce-a0441f879a2c', // Egenomsorg
  '1dae1e1e-306e-48f2-b9e1-2a180301d8dd', // Mentale funktioner
  'aec684bd-c2ea-4ff0-8eb7-6d2cf67fb863', // Kroppen
];
for (const g of THERAPY_CONTINUING) {
  const kids = descendants(fsiii.cs, g);
  const kept = kids.filter((c) => conditions140.has(c.code));
  for (const c of kids) {
    if (conditions140.has(c.code)) continue;
    addStatus(
      c.code,
      'deprecated',
      `Afløst §140-tilstand: ${EV.gw140()}. I samme gruppering, "${fsiiiDisplay(g)}" (${g}), tager gatewayen kun imod de nyere ${kept
        .map((k) => `"${k.display}" ${k.code}`)
        .join(', ')}. KL nævner intet afløserbegreb én til én, så replacedBy er ikke angivet`,
    );
  }
}
// Home care: J5 Samfundsliv
addStatus('86b53158-6d05-412e-ad55-2e1fa26359b3', 'deprecated', `Udgående tilstandsområde i hjemmeplejen, J5 Samfundsliv: ${EV.fshHomeCare}`);
for (const c of descendants(fsiii.cs, '86b53158-6d05-412e-ad55-2e1fa26359b3')) {
  addStatus(c.code, 'deprecated', `Udgående tilstand i hjemmeplejen under J5 Samfundsliv (86b53158-6d05-412e-ad55-2e1fa26359b3): ${EV.fshHomeCare}`);
}
// F Generelle oplysninger
addStatus('370e6178-9a5d-45f9-a2c9-f658186059c9', 'deprecated', `Udgående gruppering F Generelle oplysninger: ${EV.fshGeneral}`);
for (const c of descendants(fsiii.cs, '370e6178-9a5d-45f9-a2c9-f658186059c9')) {
  addStatus(c.code, 'deprecated', `Udgående kode for generelle oplysninger under F Generelle oplysninger (370e6178-9a5d-45f9-a2c9-f658186059c9): ${EV.fshGeneral}`);
}

writeJson(out('supplements', 'CodeSystem-fsiii-status.json'), {
  resourceType: 'CodeSystem',
  id: 'fsiii-status',
  language: 'da',
  url: STATUS_URL,
  version: VERSION,
  name: 'FsiiiStatus',
  title: 'FSIII – status for udgåede og udgående begreber',
  status: 'active',
  experimental: false,
  date: DATE,
  publisher: PUBLISHER,
  description:
    'Supplement til FSIII (urn:oid:1.2.208.176.2.21, version 20240530) der angiver status for de UUID-begreber, som KL har inaktiveret i forenklingen i 2024 (retired) eller markeret som udgående (deprecated). ' +
    'KL\'s CodeSystem bærer ingen status selv; evidensen for hvert begreb står i statusReason og i terminology/PROVENANCE.md. Begreber uden post her er aktive.\n\n' +
    'Supplement to FSIII giving the status of UUID concepts KL retired in the 2024 simplification (retired) or marks as outgoing (deprecated). KL\'s CodeSystem carries no status itself; the evidence per concept is in statusReason and in terminology/PROVENANCE.md. Concepts without an entry are active.',
  jurisdiction: JURISDICTION_DK,
  content: 'supplement',
  supplements: `${FSIII}|${KL_CS_VERSION}`,
  count: statusEntries.length,
  property: [
    {
      code: 'status',
      uri: 'http://hl7.org/fhir/concept-properties#status',
      description: 'Begrebets status: active | retired | deprecated. / Concept status: active | retired | deprecated.',
      type: 'code',
    },
    {
      code: 'replacedBy',
      uri: `${STATUS_URL}#replacedBy`,
      description: 'Den FSIII-kode der afløser begrebet (kun hvor KL\'s data viser afløseren). / The FSIII code that replaces the concept (only where KL\'s data shows the successor).',
      type: 'code',
    },
    {
      code: 'statusReason',
      uri: `${STATUS_URL}#statusReason`,
      description: 'Evidens for status (kilde i KL\'s materiale). / Evidence for the status (source in KL\'s material).',
      type: 'string',
    },
  ],
  concept: statusEntries.map((e) => ({
    code: e.code,
    display: fsiiiDisplay(e.code),
    property: [
      { code: 'status', valueCode: e.status },
      ...(e.replacedBy ? [{ code: 'replacedBy', valueCode: e.replacedBy }] : []),
      { code: 'statusReason', valueString: e.reason },
    ],
  })),
});

// ---------------------------------------------------------------------------------------
// 6. ConceptMap legacy keys -> UUID
// ---------------------------------------------------------------------------------------
const KIND_DA = {
  'letter-number-key': 'bogstav-tal-nøgle / letter-number key',
  'underscored-uuid': 'UUID med understregning / UUID with underscores',
  'name-key': 'navnenøgle / name key',
};
writeJson(out('conceptmaps', 'ConceptMap-fsiii-legacy-keys.json'), {
  resourceType: 'ConceptMap',
  id: 'fsiii-legacy-keys',
  language: 'da',
  // marks the source codes as legacy keys of the target codes: $validate-code names the code to use instead
  extension: [{ url: `${BASE}/StructureDefinition/legacy-code-map`, valueBoolean: true }],
  url: `${BASE}/ConceptMap/fsiii-legacy-keys`,
  version: VERSION,
  name: 'FsiiiLegacyKeys',
  title: 'FSIII – ældre brugervendte nøgler til UUID-koder',
  status: 'active',
  experimental: false,
  date: DATE,
  publisher: PUBLISHER,
  description:
    'Afbildning fra FSIII\'s ældre brugervendte nøgler (bogstav-tal-nøgler som H1.1, UUID\'er med understregning, navnenøgler som Nikotin_og_tobaksafvaenning) til de tilsvarende UUID-koder i samme CodeSystem (urn:oid:1.2.208.176.2.21, version 20240530). ' +
    `KL's CodeSystem rummer hvert begreb to gange (et UUID-træ og et træ med ældre nøgler); parrene (${legacy.pairs.length}) er udledt af identisk sti af (display, definition) fra roden og er ikke publiceret af KL.\n\n` +
    'Map from FSIII legacy keys to the UUID codes of the same concepts, derived from FSIII-legacy-key-to-uuid.json (pairing by identical display/definition path; not published by KL).',
  jurisdiction: JURISDICTION_DK,
  group: [
    {
      source: FSIII,
      sourceVersion: KL_CS_VERSION,
      target: FSIII,
      targetVersion: KL_CS_VERSION,
      element: legacy.pairs.map((p) => {
        const a = fsiii.index.get(p.legacyCode);
        const b = fsiii.index.get(p.uuidCode);
        if (!a || !b) throw new Error(`legacy pair not in FSIII: ${p.legacyCode} -> ${p.uuidCode}`);
        if (a.concept.display !== b.concept.display || a.concept.display !== p.display)
          throw new Error(`legacy pair display mismatch: ${p.legacyCode}`);
        return {
          code: p.legacyCode,
          display: p.display,
          target: [
            {
              code: p.uuidCode,
              display: b.concept.display,
              equivalence: 'equivalent',
              comment: `Ældre nøgletype / legacy key kind: ${KIND_DA[p.legacyKind] || p.legacyKind}`,
            },
          ],
        };
      }),
    },
  ],
});

// ---------------------------------------------------------------------------------------
// 7. Example municipality: Næstved (kommunekode 370)
// ---------------------------------------------------------------------------------------
const K = '370';
const KBASE = `${BASE}/kommune/${K}`;
const KIDENT = [{ system: `${BASE}/NamingSystem/kommunekode`, value: K }];
const LOCAL_CS = `${KBASE}/CodeSystem/lokale-indsatser`;
const tb6 = norm(readSeed('bilag6'));
const code119 = Object.fromEntries(iv119.map((i) => [i.title, i.code]));
const code140 = Object.fromEntries(iv140.map((i) => [i.title, i.code]));

// Local concepts. `seed` = the label as bilag 6 shows it (verified verbatim).
const LOCAL = [
  {
    code: '370-KOL-REHAB',
    display: 'KOL rehabilitering',
    seed: 'Tilbud: KOL rehabilitering',
    type: 'tilbud',
    definition:
      'Lokalt forebyggelsestilbud om KOL-rehabilitering. Tilbuddet er på et mere overordnet niveau repræsenteret ved seks fælleskommunale indsatser (niv. 2): Sygdomshåndtering, Kostvejledning, Vejledning og introduktion til fysiske aktiviteter, Færdighedstræning, Tobaksafvænning og Fysisk træning.',
  },
  {
    code: '370-TEORI-OM-KOL',
    display: 'Teori om KOL-sygdomme',
    seed: 'adskillelse af teori om KOL-sygdomme og medicinundervisning i to lokale indsatser',
    type: 'indsats',
    definition:
      'Lokal indsats (niv. 3) i KOL-rehabilitering: undervisning i teori om KOL-sygdomme, oprettet som selvstændig lokal indsats adskilt fra medicinundervisning.',
    target: { code: code119['Sygdomshåndtering'], para: '§119' },
  },
  {
    code: '370-MEDICINUNDERVISNING',
    display: 'Medicinundervisning',
    seed: 'Medicinundervis..',
    type: 'indsats',
    definition:
      'Lokal indsats (niv. 3): undervisning om medicin (virkning, bivirkning, anvendelse og tilskud), oprettet som selvstændig lokal indsats adskilt fra teori om KOL-sygdomme.',
    target: { code: code119['Sygdomshåndtering'], para: '§119' },
  },
  {
    code: '370-DIGITAL-TRAENING',
    display: 'Digital træning',
    seed: 'Digital træning',
    type: 'indsats',
    definition: 'Lokal indsats (niv. 3): digitalt understøttet træning.',
    target: { code: code119['Vejledning og introduktion til fysiske aktiviteter'], para: '§119' },
  },
  {
    code: '370-BOLDSPIL',
    display: 'Boldspil',
    seed: 'Boldspil',
    type: 'indsats',
    definition: 'Lokal indsats (niv. 3): superviseret boldspil som fysisk træning.',
    target: { code: code119['Fysisk træning'], para: '§119' },
  },
  {
    code: '370-MINDFULNESS',
    display: 'Mindfulness',
    seed: 'Mindfulness',
    type: 'indsats',
    definition: 'Lokal indsats (niv. 3): mindfulness som øvelse og teknik, der fremmer mentalt velbefindende.',
    target: { code: code119['Mental håndtering'], para: '§119' },
  },
  {
    code: '370-AKUPUNKTUR',
    display: 'Akupunktur',
    seed: 'Akupunktur',
    type: 'indsats',
    definition: 'Lokal indsats (niv. 3): akupunktur som manuel behandlingsteknik i genoptræning.',
    target: { code: code140['Manuel behandling'], para: '§140' },
  },
  {
    code: '370-BALANCETRAENING',
    display: 'Balancetræning',
    seed: 'Balancetræning',
    type: 'indsats',
    definition: 'Lokal indsats (niv. 3): superviseret balancetræning i genoptræning.',
    target: { code: code140['Fysisk træning'], para: '§140' },
  },
  {
    code: '370-FINMOTORISK-TRAENING',
    display: 'Finmotorisk træning',
    seed: 'Finmotorisk træ..',
    type: 'indsats',
    definition: 'Lokal indsats (niv. 3): finmotorisk træning i genoptræning.',
    target: { code: code140['Fysisk træning'], para: '§140' },
  },
  {
    code: '370-PSYKOSOCIALE-FORHOLD',
    display: 'Psykosociale forhold',
    seed: 'Psykosociale for..',
    type: 'indsats',
    definition:
      'Lokal indsats (niv. 3): samtale og undervisning om psykosociale forhold relateret til livet med kronisk sygdom, herunder stress, søvnmangel og bekymring.',
    target: { code: code119['Sygdomshåndtering'], para: '§119' },
  },
];
for (const l of LOCAL) verbatim(tb6, l.seed);
const KOL_TARGETS = [
  'Sygdomshåndtering',
  'Kostvejledning',
  'Vejledning og introduktion til fysiske aktiviteter',
  'Færdighedstræning',
  'Tobaksafvænning',
  'Fysisk træning',
];
for (const t of KOL_TARGETS) verbatim(tb6, t);

// Why each local intervention sits under its niveau-2 intervention (catalog text cited).
const textOf = (title, list) => list.find((i) => i.title === title);
const cite = (para, title, example) => {
  const iv = textOf(title, para === '§119' ? iv119 : iv140);
  if (!iv.eksempler.includes(example)) throw new Error(`no example "${example}" in ${title}`);
  return `${para} ${title}: eksempel "${example}"`;
};
const LOCAL_REASON = {
  '370-TEORI-OM-KOL': cite('§119', 'Sygdomshåndtering', 'Gennemgang af sygdomme(n), behandling og risikofaktorer, herunder sygdommens udvikling og symptomer på forværring af sygdom'),
  '370-MEDICINUNDERVISNING': cite('§119', 'Sygdomshåndtering', 'Medicin: virkning, bivirkning, anvendelse og tilskud'),
  '370-DIGITAL-TRAENING': cite('§119', 'Vejledning og introduktion til fysiske aktiviteter', 'Digitalt understøttet træning'),
  '370-BOLDSPIL': cite('§119', 'Fysisk træning', 'Boldspil'),
  '370-MINDFULNESS': cite('§119', 'Mental håndtering', 'Mindfulness'),
  '370-AKUPUNKTUR': cite('§140', 'Manuel behandling', 'akupunktur'),
  '370-BALANCETRAENING': cite('§140', 'Fysisk træning', 'balancetræning'),
  '370-FINMOTORISK-TRAENING': cite('§140', 'Fysisk træning', 'finmotorisk træning'),
  '370-PSYKOSOCIALE-FORHOLD': cite('§119', 'Sygdomshåndtering', 'Psykosociale forhold relateret til livet med kronisk sygdom, herunder stress, søvnmangel, bekymring mv.'),
};

writeJson(out('examples', 'kommune-370', 'CodeSystem-kommune-370-lokale-indsatser.json'), {
  resourceType: 'CodeSystem',
  id: 'kommune-370-lokale-indsatser',
  language: 'da',
  url: LOCAL_CS,
  identifier: KIDENT,
  version: VERSION,
  name: 'Kommune370LokaleIndsatser',
  title: 'Næstved Kommune (370) – lokale tilbud og indsatser (eksempel)',
  status: 'active',
  experimental: true,
  date: DATE,
  publisher: PUBLISHER,
  description:
    'Eksempel på en kommunes lokale katalog (niveau 3) efter bilag 6 "Lokal opsætning af indsatser": det lokale tilbud "KOL rehabilitering" og lokale, mere detaljerede indsatser, som i IT-systemet kobles til de fælleskommunale indsatser (niveau 2) i FSIII. ' +
    'Koblingen står i ConceptMap http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser. Kommunekode 370 = Næstved.\n\n' +
    'Example local catalog (level 3) of a municipality per appendix 6: the local offer "KOL rehabilitering" and local detailed interventions, linked to the common FSIII interventions (level 2) by the ConceptMap above.',
  jurisdiction: JURISDICTION_DK,
  caseSensitive: true,
  content: 'complete',
  count: LOCAL.length,
  property: [
    {
      code: 'type',
      uri: `${BASE}/CodeSystem/lokal-type`,
      description: 'tilbud = et lokalt tilbud (fx et forløb sammensat af flere indsatser); indsats = en lokal indsats (niveau 3). / offer or local intervention (level 3).',
      type: 'code',
    },
    {
      code: 'status',
      uri: 'http://hl7.org/fhir/concept-properties#status',
      description: 'Begrebets status: active | retired | deprecated. / Concept status.',
      type: 'code',
    },
  ],
  concept: LOCAL.map((l) => ({
    code: l.code,
    display: l.display,
    definition: l.definition,
    property: [
      { code: 'type', valueCode: l.type },
      { code: 'status', valueCode: 'active' },
    ],
  })),
});

const kolComment = (title) => {
  const base =
    'Tilbuddet KOL rehabilitering er sammensat af seks fælleskommunale indsatser (bilag 6); denne indsats dækker en del af tilbuddet, og indsatsen bruges også i andre tilbud. Begge begreber har altså betydning ud over overlappet (R4 "inexact"). ' +
    'The offer is composed of six common interventions (part-whole); each target covers part of the offer and is also used outside it.';
  return title === 'Tobaksafvænning'
    ? base +
        ' Bilag 6 nævner "Tobaksafvænning"; den kode (c203c6b5-3be0-40a8-8204-e93751deabf5) er udgået, så den gældende "Nikotin- og tobaksafvænning" bruges.'
    : base;
};
writeJson(out('examples', 'kommune-370', 'ConceptMap-kommune-370-lokale-indsatser.json'), {
  resourceType: 'ConceptMap',
  id: 'kommune-370-lokale-indsatser',
  language: 'da',
  url: `${KBASE}/ConceptMap/lokale-indsatser`,
  identifier: KIDENT[0],
  version: VERSION,
  name: 'Kommune370LokaleIndsatserTilFsiii',
  title: 'Næstved Kommune (370) – lokale tilbud og indsatser til fælleskommunale indsatser (eksempel)',
  status: 'active',
  experimental: true,
  date: DATE,
  publisher: PUBLISHER,
  description:
    'Kobling af Næstved Kommunes (370) lokale tilbud og indsatser (niveau 3) til de fælleskommunale indsatser (niveau 2) i FSIII, efter bilag 6 "Lokal opsætning af indsatser". ' +
    'Hver lokal indsats kobles til præcis én fælleskommunal indsats efter §119 eller §140 med equivalence "subsumes" (den fælleskommunale indsats omfatter den lokale; den lokale is-a den fælleskommunale). ' +
    'Tilbuddet KOL rehabilitering kobles til sine seks fælleskommunale indsatser med equivalence "inexact" (del-helhed). Begrundelser: examples/kommune-370/README.md.\n\n' +
    'Links the municipality\'s local offer and level-3 interventions to the common level-2 FSIII interventions. Local interventions: equivalence "subsumes" (R4: the target subsumes the source, i.e. source is-a target). The offer: "inexact" to each of its six interventions (part-whole).',
  jurisdiction: JURISDICTION_DK,
  sourceUri: LOCAL_CS,
  targetUri: 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII',
  group: [
    {
      source: LOCAL_CS,
      sourceVersion: VERSION,
      target: FSIII,
      targetVersion: KL_CS_VERSION,
      element: LOCAL.map((l) => {
        if (l.type === 'tilbud') {
          return {
            code: l.code,
            display: l.display,
            target: KOL_TARGETS.map((t) => ({
              code: code119[t],
              display: fsiiiDisplay(code119[t]),
              equivalence: 'inexact',
              comment: kolComment(t),
            })),
          };
        }
        return {
          code: l.code,
          display: l.display,
          target: [
            {
              code: l.target.code,
              display: fsiiiDisplay(l.target.code),
              equivalence: 'subsumes',
              comment: `Lokal niveau 3-indsats under den fælleskommunale ${l.target.para}-indsats "${fsiiiDisplay(l.target.code)}" (sundhedslovens ${l.target.para}); katalogets ${LOCAL_REASON[l.code]}. Local level-3 intervention; the common intervention subsumes it.`,
            },
          ],
        };
      }),
    },
  ],
});

console.log(
  `built: 6 ValueSets, 2 supplements (${iv119.length + iv140.length} catalog concepts, ${statusEntries.length} status entries), ` +
    `ConceptMap legacy keys (${legacy.pairs.length}), kommune-370 (${LOCAL.length} local concepts)`,
);
