// Verify the terminology folder.
//
//   node terminology/build/verify.mjs
//
// Exits non-zero and lists the problems if any check fails. If the original source folders
// exist (defaults /work/shared/reference/kl-term and /work/shared/seeds, or KL_TERM_DIR /
// SEEDS_SRC_DIR), the copies in kl/ and seeds/ are also compared byte-for-byte.
import fs from 'node:fs';
import path from 'node:path';
import {
  BASE,
  FFB,
  FSIII,
  KL_CS_VERSION,
  KL_DIR,
  SEEDS_DIR,
  SEED_FILES,
  TERM_DIR,
  loadCodeSystem,
  norm,
  readJson,
  readSeed,
  unsuperscript,
} from './lib.mjs';
import { FFB_CATALOGS } from './ffb-seed.mjs';

const problems = [];
let checks = 0;
const ok = (cond, msg) => {
  checks++;
  if (!cond) problems.push(msg);
  return cond;
};

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}
const rel = (p) => path.relative(TERM_DIR, p);

// 1. every JSON parses ------------------------------------------------------------------
const json = {};
for (const f of walk(TERM_DIR).filter((f) => f.endsWith('.json'))) {
  try {
    json[rel(f)] = JSON.parse(fs.readFileSync(f, 'utf8'));
    checks++;
  } catch (e) {
    problems.push(`${rel(f)}: invalid JSON (${e.message})`);
  }
}

// 2. copies are byte-identical with the sources (when the sources are available) -----------
const klSrc = process.env.KL_TERM_DIR || '/work/shared/reference/kl-term';
const seedSrc = process.env.SEEDS_SRC_DIR || '/work/shared/seeds';
if (fs.existsSync(klSrc)) {
  for (const f of walk(klSrc)) {
    const r = path.relative(klSrc, f);
    const target = r === 'README.md' ? 'SOURCE-README.md' : r;
    if (!(r.endsWith('.json') || r === 'README.md' || r === 'GATEWAY-RULES.md')) continue;
    const t = path.join(KL_DIR, target);
    ok(fs.existsSync(t) && fs.readFileSync(t).equals(fs.readFileSync(f)), `kl/${target} differs from ${f}`);
  }
}
if (fs.existsSync(seedSrc)) {
  for (const f of walk(seedSrc)) {
    const t = path.join(SEEDS_DIR, path.relative(seedSrc, f));
    ok(fs.existsSync(t) && fs.readFileSync(t).equals(fs.readFileSync(f)), `${rel(t)} differs from ${f}`);
  }
}
for (const f of Object.values(SEED_FILES)) ok(fs.existsSync(path.join(SEEDS_DIR, f)), `seeds/${f} missing`);

// 3. metadata of the project's resources -------------------------------------------------
const fsiii = loadCodeSystem('CodeSystem-FSIII.json');
const ffb = loadCodeSystem('CodeSystem-FFB.json');
const own = Object.entries(json).filter(([f]) => /^(catalogs|supplements|conceptmaps|examples)\//.test(f));
ok(own.length === 11, `expected 11 project resources, found ${own.length}`);
for (const [f, r] of own) {
  ok(['ValueSet', 'CodeSystem', 'ConceptMap'].includes(r.resourceType), `${f}: resourceType`);
  ok(/^[A-Za-z0-9\-.]{1,64}$/.test(r.id || ''), `${f}: id`);
  ok(path.basename(f) === `${r.resourceType}-${r.id}.json`, `${f}: file name does not match id`);
  ok(typeof r.url === 'string' && r.url.startsWith(BASE + '/'), `${f}: url not under ${BASE}`);
  ok(r.version === '1.0.0', `${f}: version`);
  ok(/^[A-Z][A-Za-z0-9_]{0,254}$/.test(r.name || ''), `${f}: name not PascalCase`);
  for (const k of ['title', 'description', 'date']) ok(typeof r[k] === 'string' && r[k].length > 0, `${f}: ${k}`);
  ok(r.status === 'active', `${f}: status`);
  ok(r.publisher === 'faelles-tx', `${f}: publisher`);
  ok(/^\d{4}-\d{2}-\d{2}$/.test(r.date), `${f}: date`);
  if (f.startsWith('examples/kommune-370/')) {
    ok(r.url.startsWith(`${BASE}/kommune/370/${r.resourceType}/`), `${f}: municipality url pattern`);
  } else {
    ok(r.url === `${BASE}/${r.resourceType}/${r.id}`, `${f}: url should be ${BASE}/${r.resourceType}/${r.id}`);
  }
}

const codeIn = (system, code) =>
  system === FSIII ? fsiii.index.has(code) : system === FFB ? ffb.index.has(code) : false;
const displayOf = (system, code) => (system === FSIII ? fsiii : ffb).index.get(code)?.concept.display;

// 4. ValueSets: codes exist, displays are KL's, no stored expansion, descriptions from seed --
const seedNorm = Object.fromEntries(Object.entries(SEED_FILES).map(([k]) => [k, norm(readSeed(k))]));
const vsSeed = {
  'indsatskatalog-119': 'p119',
  'indsatskatalog-140': 'p140',
  'ffb-sociale-tilbud': 'ffb',
  'ffb-ydelser': 'ffb',
  'ffb-maalgrupper': 'ffb',
  'ffb-funktionsevne': 'ffb',
};
for (const [id, seedKey] of Object.entries(vsSeed)) {
  const f = `catalogs/ValueSet-${id}.json`;
  const vs = json[f];
  if (!ok(vs, `${f} missing`)) continue;
  ok(!vs.expansion, `${f}: has a stored expansion`);
  for (const inc of vs.compose.include) {
    ok([FSIII, FFB].includes(inc.system), `${f}: unexpected system ${inc.system}`);
    ok(Array.isArray(inc.concept) && inc.concept.length > 0, `${f}: include without concept list`);
    for (const c of inc.concept || []) {
      ok(codeIn(inc.system, c.code), `${f}: ${c.code} not in ${inc.system}`);
      ok(c.display && c.display === displayOf(inc.system, c.code), `${f}: ${c.code} display "${c.display}"`);
    }
  }
  for (const p of vs.description.split('\n\n')) {
    ok(seedNorm[seedKey].includes(norm(p)), `${f}: description paragraph not verbatim in seed: ${p.slice(0, 70)}`);
  }
}
const codesOf = (f) => json[f].compose.include.flatMap((i) => i.concept.map((c) => c.code));
const vs119 = codesOf('catalogs/ValueSet-indsatskatalog-119.json');
const vs140 = codesOf('catalogs/ValueSet-indsatskatalog-140.json');
ok(vs119.length === 14 && new Set(vs119).size === 14, 'indsatskatalog-119 must have 14 codes');
ok(vs140.length === 10 && new Set(vs140).size === 10, 'indsatskatalog-140 must have 10 codes');
ok(vs119.includes('6d24992e-e0a2-43e7-bc27-0234622a8655'), '119: Nikotin- og tobaksafvænning missing');
ok(!vs119.includes('c203c6b5-3be0-40a8-8204-e93751deabf5'), '119: retired Tobaksafvænning present');
ok(vs119.every((c) => fsiii.index.get(c)?.parent === '102ea764-d2cf-4a24-979d-68c2e8d638cf'), '119: code outside §119 grouping');
ok(vs140.every((c) => fsiii.index.get(c)?.parent === '7deb81de-12c0-4a49-bd5b-72ea6fe89d83'), '140: code outside §140 grouping');
// FFB seed labels are verbatim in the FFB seed; catalog codes sit below the catalog's root
for (const [id, cat] of Object.entries(FFB_CATALOGS)) {
  const labels = [];
  const w = (nodes) => nodes.forEach(([l, ch]) => (labels.push(l), ch && w(ch)));
  w(cat.tree);
  for (const l of labels) ok(seedNorm.ffb.includes(l), `${id}: seed label not verbatim in FFB seed: ${l}`);
  for (const c of codesOf(`catalogs/ValueSet-${id}.json`))
    ok(ffb.index.get(c)?.path.includes(cat.root), `${id}: ${c} not below ${cat.root}`);
}

// 5. catalog supplement ---------------------------------------------------------------------
const SEED_TEXT_PROPS = ['indsatstitel', 'beskrivelse', 'formaal', 'eksempel-indledning', 'eksempel', 'fodnote'];
{
  const f = 'supplements/CodeSystem-fsiii-indsatskatalog.json';
  const cs = json[f];
  ok(cs.content === 'supplement' && cs.supplements === `${FSIII}|${KL_CS_VERSION}`, `${f}: supplement header`);
  const declared = Object.fromEntries(cs.property.map((p) => [p.code, p]));
  for (const p of cs.property) {
    ok(p.uri === `${cs.url}#${p.code}`, `${f}: property ${p.code} uri`);
    ok(p.description && p.description.includes(' / '), `${f}: property ${p.code} needs Danish / English description`);
  }
  ok(cs.concept.length === 24, `${f}: expected 24 concepts`);
  ok(cs.count === cs.concept.length, `${f}: count`);
  const vt = { string: 'valueString', integer: 'valueInteger', code: 'valueCode' };
  const mapping = readJson(path.join(KL_DIR, 'seed-catalog-mapping.json'));
  let prevPos = { p119: 0, p140: 0 };
  for (const c of cs.concept) {
    const is119 = vs119.includes(c.code);
    const seedKey = is119 ? 'p119' : 'p140';
    ok(is119 || vs140.includes(c.code), `${f}: ${c.code} not one of the 24 interventions`);
    ok(c.display === displayOf(FSIII, c.code), `${f}: ${c.code} display`);
    const vals = (code) => c.property.filter((p) => p.code === code);
    for (const p of c.property) {
      const d = declared[p.code];
      if (!ok(d, `${f}: ${c.code} undeclared property ${p.code}`)) continue;
      ok(vt[d.type] in p && Object.keys(p).length === 2, `${f}: ${c.code} ${p.code} should carry ${vt[d.type]}`);
    }
    ok(vals('beskrivelse').length === 1, `${f}: ${c.display} beskrivelse`);
    ok(vals('eksempel').length >= 1, `${f}: ${c.display} eksempler`);
    ok(vals('eksempel-indledning').length === 1, `${f}: ${c.display} eksempel-indledning`);
    ok(vals('formaal').length === (is119 ? 1 : 0), `${f}: ${c.display} formaal (${is119 ? '§119 needs one' : '§140 has none'})`);
    ok(vals('niveau')[0]?.valueInteger === 2, `${f}: ${c.display} niveau`);
    ok(vals('lovparagraf')[0]?.valueString === (is119 ? 'Sundhedsloven §119' : 'Sundhedsloven §140'), `${f}: ${c.display} lovparagraf`);
    const n1 = vals('niveau1')[0]?.valueCode;
    ok(n1 && fsiii.index.get(c.code)?.parent === n1, `${f}: ${c.display} niveau1`);
    ok(
      n1 === (is119 ? mapping.para119.groupingConcept : mapping.para140.groupingConcept),
      `${f}: ${c.display} niveau1 differs from seed-catalog-mapping.json`,
    );
    ok(!vals('eksempel').some((p) => /^mm\.$/i.test(p.valueString)), `${f}: ${c.display} "mm." kept as example`);
    // verbatim + order: title, beskrivelse, formål, eksempel-indledning, eksempler
    const text = seedNorm[seedKey];
    for (const p of c.property.filter((p) => SEED_TEXT_PROPS.includes(p.code))) {
      ok(text.includes(unsuperscript(norm(p.valueString))), `${f}: ${c.display} ${p.code} not verbatim in seed: ${p.valueString.slice(0, 60)}`);
      ok(p.valueString === norm(p.valueString), `${f}: ${c.display} ${p.code} not whitespace-normalised`);
    }
    const seq = [
      vals('indsatstitel')[0],
      vals('beskrivelse')[0],
      ...vals('formaal'),
      vals('eksempel-indledning')[0],
      ...vals('eksempel'),
    ].filter(Boolean);
    let pos = prevPos[seedKey];
    const titleAt = text.indexOf(seq[0].valueString, pos);
    let good = titleAt >= 0;
    pos = titleAt;
    for (const p of seq.slice(1)) {
      const at = text.indexOf(unsuperscript(p.valueString), pos + 1);
      if (at < 0) good = false;
      else pos = at;
    }
    ok(good, `${f}: ${c.display}: title/beskrivelse/formål/eksempler not in seed order`);
    const bAt = text.indexOf(unsuperscript(vals('beskrivelse')[0].valueString), Math.max(titleAt, 0));
    ok(bAt - titleAt < 120, `${f}: ${c.display}: beskrivelse does not follow the title`);
    prevPos[seedKey] = Math.max(titleAt, 0);
  }
  const tob = cs.concept.find((c) => c.code === '6d24992e-e0a2-43e7-bc27-0234622a8655');
  ok(tob?.property.find((p) => p.code === 'indsatstitel')?.valueString === 'Tobaksafvænning', `${f}: Tobaksafvænning text must sit on 6d24992e`);
  ok(!cs.concept.some((c) => c.code === 'c203c6b5-3be0-40a8-8204-e93751deabf5'), `${f}: retired Tobaksafvænning used`);
}

// 6. status supplement ----------------------------------------------------------------------
{
  const f = 'supplements/CodeSystem-fsiii-status.json';
  const cs = json[f];
  ok(cs.content === 'supplement' && cs.supplements === `${FSIII}|${KL_CS_VERSION}`, `${f}: supplement header`);
  const byCode = Object.fromEntries(cs.property.map((p) => [p.code, p]));
  ok(byCode.status?.uri === 'http://hl7.org/fhir/concept-properties#status' && byCode.status.type === 'code', `${f}: status property`);
  ok(byCode.replacedBy?.uri === `${cs.url}#replacedBy` && byCode.replacedBy.type === 'code', `${f}: replacedBy property`);
  ok(byCode.statusReason?.type === 'string', `${f}: statusReason property`);
  const seen = new Set();
  for (const c of cs.concept) {
    ok(!seen.has(c.code), `${f}: duplicate ${c.code}`);
    seen.add(c.code);
    ok(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(c.code), `${f}: ${c.code} is not a UUID code`);
    ok(fsiii.index.has(c.code) && c.display === displayOf(FSIII, c.code), `${f}: ${c.code} not in FSIII / display`);
    const st = c.property.find((p) => p.code === 'status')?.valueCode;
    ok(['active', 'retired', 'deprecated'].includes(st), `${f}: ${c.code} status ${st}`);
    ok(c.property.find((p) => p.code === 'statusReason')?.valueString?.length > 20, `${f}: ${c.code} needs statusReason`);
    const rb = c.property.find((p) => p.code === 'replacedBy')?.valueCode;
    if (rb) ok(fsiii.index.has(rb) && rb !== c.code, `${f}: ${c.code} replacedBy ${rb} not in FSIII`);
  }
  const tob = cs.concept.find((c) => c.code === 'c203c6b5-3be0-40a8-8204-e93751deabf5');
  ok(
    tob &&
      tob.property.some((p) => p.code === 'status' && p.valueCode === 'retired') &&
      tob.property.some((p) => p.code === 'replacedBy' && p.valueCode === '6d24992e-e0a2-43e7-bc27-0234622a8655'),
    `${f}: Tobaksafvænning must be retired, replacedBy 6d24992e`,
  );
  // nothing the project publishes as a current catalog member may be retired or deprecated
  for (const c of [...vs119, ...vs140]) ok(!seen.has(c), `${f}: catalog code ${c} marked`);
}

// 7. legacy-key ConceptMap --------------------------------------------------------------------
{
  const f = 'conceptmaps/ConceptMap-fsiii-legacy-keys.json';
  const cm = json[f];
  const pairs = readJson(path.join(KL_DIR, 'FSIII-legacy-key-to-uuid.json')).pairs;
  ok(cm.group.length === 1, `${f}: one group`);
  const g = cm.group[0];
  ok(g.source === FSIII && g.target === FSIII && g.sourceVersion === KL_CS_VERSION && g.targetVersion === KL_CS_VERSION, `${f}: group header`);
  ok(g.element.length === 414 && pairs.length === 414, `${f}: expected 414 elements`);
  g.element.forEach((e, i) => {
    ok(e.code === pairs[i].legacyCode && e.target.length === 1 && e.target[0].code === pairs[i].uuidCode, `${f}: element ${i} differs from pairs`);
    ok(fsiii.index.has(e.code) && fsiii.index.has(e.target[0].code), `${f}: ${e.code} codes not in FSIII`);
    ok(e.target[0].equivalence === 'equivalent', `${f}: ${e.code} equivalence`);
  });
}

// 8. municipality example ---------------------------------------------------------------------
{
  const fcs = 'examples/kommune-370/CodeSystem-kommune-370-lokale-indsatser.json';
  const fcm = 'examples/kommune-370/ConceptMap-kommune-370-lokale-indsatser.json';
  const cs = json[fcs];
  const cm = json[fcm];
  ok(cs.url === `${BASE}/kommune/370/CodeSystem/lokale-indsatser`, `${fcs}: url`);
  ok(cm.url === `${BASE}/kommune/370/ConceptMap/lokale-indsatser`, `${fcm}: url`);
  ok(JSON.stringify(cs.identifier) === JSON.stringify([{ system: `${BASE}/NamingSystem/kommunekode`, value: '370' }]), `${fcs}: identifier`);
  ok(JSON.stringify(cm.identifier) === JSON.stringify({ system: `${BASE}/NamingSystem/kommunekode`, value: '370' }), `${fcm}: identifier`);
  ok(cs.content === 'complete' && cs.caseSensitive === true && cs.count === cs.concept.length, `${fcs}: header`);
  const typeProp = cs.property.find((p) => p.code === 'type');
  ok(typeProp?.uri === `${BASE}/CodeSystem/lokal-type` && typeProp.type === 'code', `${fcs}: type property`);
  ok(cs.property.some((p) => p.code === 'status'), `${fcs}: status property`);
  const local = Object.fromEntries(cs.concept.map((c) => [c.code, c]));
  const typeOf = (c) => c.property.find((p) => p.code === 'type')?.valueCode;
  for (const c of cs.concept) {
    ok(['indsats', 'tilbud'].includes(typeOf(c)), `${fcs}: ${c.code} type`);
    ok(c.definition && c.display, `${fcs}: ${c.code} needs display and definition`);
    ok(/^370-[A-Z0-9-]+$/.test(c.code), `${fcs}: ${c.code} code pattern`);
  }
  for (const n of ['Medicinundervisning', 'Digital træning', 'Boldspil', 'Mindfulness', 'Akupunktur', 'Balancetræning'])
    ok(cs.concept.some((c) => c.display === n && typeOf(c) === 'indsats'), `${fcs}: missing ${n}`);
  ok(cs.concept.some((c) => c.display === 'KOL rehabilitering' && typeOf(c) === 'tilbud'), `${fcs}: missing KOL rehabilitering`);
  ok(cm.sourceUri === cs.url, `${fcm}: sourceUri`);
  const klVs = Object.entries(json).filter(([f, r]) => f.startsWith('kl/') && r.resourceType === 'ValueSet');
  ok(klVs.some(([, r]) => r.url === cm.targetUri), `${fcm}: targetUri ${cm.targetUri} is not a KL ValueSet in kl/`);
  ok(cm.group.length === 1 && cm.group[0].source === cs.url && cm.group[0].target === FSIII, `${fcm}: group`);
  const status = new Set(json['supplements/CodeSystem-fsiii-status.json'].concept.map((c) => c.code));
  const mapped = new Set();
  for (const e of cm.group[0].element) {
    const l = local[e.code];
    if (!ok(l, `${fcm}: ${e.code} not in the local CodeSystem`)) continue;
    mapped.add(e.code);
    ok(e.display === l.display, `${fcm}: ${e.code} display`);
    for (const t of e.target) {
      ok(fsiii.index.has(t.code) && t.display === displayOf(FSIII, t.code), `${fcm}: ${t.code} not in FSIII / display`);
      ok([...vs119, ...vs140].includes(t.code), `${fcm}: ${t.code} is not a §119/§140 niveau-2 intervention`);
      ok(!status.has(t.code), `${fcm}: ${t.code} is retired/outgoing`);
      ok(typeof t.comment === 'string' && t.comment.length > 0, `${fcm}: ${e.code} -> ${t.code} needs a comment`);
    }
    if (typeOf(l) === 'indsats') {
      ok(e.target.length === 1 && e.target[0].equivalence === 'subsumes', `${fcm}: ${e.code} must map to exactly one target, subsumes`);
    } else {
      ok(e.target.length === 6 && e.target.every((t) => t.equivalence === 'inexact'), `${fcm}: ${e.code} must map to its six interventions`);
    }
  }
  ok(mapped.size === cs.concept.length, `${fcm}: not every local concept is mapped`);
}

// 9. documentation present -------------------------------------------------------------------
for (const f of ['README.md', 'PROVENANCE.md', 'examples/kommune-370/README.md', 'kl/SOURCE-README.md', 'kl/GATEWAY-RULES.md'])
  ok(fs.existsSync(path.join(TERM_DIR, f)), `${f} missing`);

// every marked status concept is documented with its evidence in PROVENANCE.md
if (fs.existsSync(path.join(TERM_DIR, 'PROVENANCE.md'))) {
  const prov = fs.readFileSync(path.join(TERM_DIR, 'PROVENANCE.md'), 'utf8');
  for (const c of json['supplements/CodeSystem-fsiii-status.json'].concept)
    ok(prov.includes(c.code), `PROVENANCE.md does not list status concept ${c.code}`);
}

if (problems.length) {
  console.error(`${problems.length} problem(s) in ${checks} checks:`);
  for (const p of problems) console.error(' - ' + p);
  process.exit(1);
}
console.log(`terminology OK: ${checks} checks, ${Object.keys(json).length} JSON files`);
