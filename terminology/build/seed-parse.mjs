// Extract the §119 and §140 interventions (title, beskrivelse, formål, eksempler) from the
// PDF-extracted seed catalogs. The PDF text interleaves table cells; the extraction is driven
// by the known titles (in seed order) and by the fixed phrasing of each table row:
//   <title> <beskrivelse ...> | "Formålet med ..." (§119 only) | "... kan fx ...:" (§119) or
//   "Eksempler på aktiviteter:" (§140) | the examples.
// Every returned text is whitespace-normalised and verbatim from the seed.
import { norm, readSeed, seedLines, superscript } from './lib.mjs';

// Titles exactly as the seed writes them (footnote markers included), in seed order.
export const TITLES_119 = [
  'Afklarende samtale',
  'Behovssamtale',
  'Afsluttende samtale',
  'Opfølgning',
  'Sygdomshåndtering1', // footnote 1 marker glued to the title in the seed
  'Mental håndtering',
  'Vejledning og introduktion til fysiske aktiviteter',
  'Fysisk træning',
  'Færdighedstræning',
  'Kostvejledning',
  'Diætbehandling',
  'Madlavning i praksis',
  'Tobaksafvænning',
  'Samtale om alkohol',
];

export const TITLES_140 = [
  'Terapeutfaglig udredning',
  'ADL-træning',
  'Fysisk træning',
  'Funktionstræning',
  'Manuel behandling',
  'Kognitiv træning',
  'Psykomotorisk træning',
  'Vejledning og undervisning',
  'Koordinering og kommunikation',
  'Opfølgning',
];

// Phrases in the comma-separated §140 example lists that themselves contain a comma and
// are one example (judgement; documented in PROVENANCE.md).
const KEEP_TOGETHER_140 = [
  'anvende kompenserende strategier og hjælpemidler i institution, på arbejdsplads og/eller i hjemmet',
  'Koordinering og kommunikation med hjemmepleje, sygepleje, praktiserende læge, hospital',
];

const NOISE = [/^Side \d+ af \d+$/, /^Indsatstitel Beskrivelse/];
const FOOTNOTE = /^(\d) (Jf\. Sundhedsstyrelsens .*|Med superviserede aktiviteter .*)$/;

/** Find the line index where `title` starts (it may span several lines). */
function findTitle(lines, title, from) {
  for (let i = from; i < lines.length; i++) {
    const joined = norm(lines.slice(i, i + 4).join(' '));
    if (joined === title || joined.startsWith(title + ' ')) {
      if (!title.startsWith(lines[i]) && !lines[i].startsWith(title + ' ') && lines[i] !== title) continue;
      return i;
    }
  }
  throw new Error(`title not found: ${title}`);
}

/** Remove the title words from the first line(s) of a block. */
function stripTitle(block, title) {
  const out = [...block];
  let rest = title;
  while (rest.length > 0) {
    const line = out[0];
    if (rest === line || rest.startsWith(line + ' ')) {
      out.shift();
      rest = rest.slice(line.length).trim();
    } else if (line.startsWith(rest + ' ')) {
      out[0] = line.slice(rest.length).trim();
      rest = '';
    } else {
      throw new Error(`cannot strip title ${title} from ${line}`);
    }
  }
  return out;
}

function blocks(lines, titles, startAt) {
  const starts = [];
  let from = startAt;
  for (const t of titles) {
    const i = findTitle(lines, t, from);
    starts.push(i);
    from = i + 1;
  }
  return titles.map((t, k) => ({
    seedTitle: t,
    lines: lines.slice(starts[k], k + 1 < starts.length ? starts[k + 1] : lines.length),
  }));
}

function cleanBlock(raw) {
  const footnotes = [];
  const lines = [];
  for (const l of raw) {
    const f = l.match(FOOTNOTE);
    if (f) {
      footnotes.push({ marker: f[1], text: f[2] });
      continue;
    }
    if (NOISE.some((re) => re.test(l))) continue;
    lines.push(l);
  }
  return { lines, footnotes };
}

const isMm = (s) => /^mm\.$/i.test(s);

export function parse119() {
  const text = readSeed('p119');
  const lines = seedLines(text);
  const startAt = lines.indexOf('Indsatser');
  if (startAt < 0) throw new Error('heading "Indsatser" not found');
  const allFootnotes = [];
  const result = blocks(lines, TITLES_119, startAt + 1).map(({ seedTitle, lines: raw }) => {
    const { lines: blk, footnotes } = cleanBlock(raw);
    allFootnotes.push(...footnotes);
    const body = stripTitle(blk, seedTitle);
    const fi = body.findIndex((l) => l.startsWith('Formålet med'));
    if (fi < 0) throw new Error(`no formål for ${seedTitle}`);
    const ii = body.findIndex((l, k) => k > fi && / kan fx( |$)/.test(l));
    if (ii < 0) throw new Error(`no example intro for ${seedTitle}`);
    let ie = ii;
    while (!body[ie].endsWith(':')) ie++;
    const items = [];
    for (const l of body.slice(ie + 1)) {
      if (l.startsWith('- ')) items.push(l.slice(2));
      else if (isMm(l)) items.push(l);
      else if (items.length) items[items.length - 1] += ' ' + l;
      else throw new Error(`text before first example in ${seedTitle}: ${l}`);
    }
    const eksempler = items.map(norm);
    const trailing = eksempler.length && isMm(eksempler[eksempler.length - 1]) ? eksempler.pop() : null;
    if (eksempler.some(isMm)) throw new Error(`"mm." inside the list of ${seedTitle}`);
    return {
      seedTitle,
      title: seedTitle.replace(/\d+$/, ''),
      beskrivelse: norm(body.slice(0, fi).join(' ')),
      formaal: norm(body.slice(fi, ii).join(' ')),
      eksempelIndledning: norm(body.slice(ii, ie + 1).join(' ')),
      eksempler,
      droppedTrailing: trailing,
    };
  });
  // Attach footnotes to the intervention whose text carries the marker. The marker is written as the superscript it
  // is in the printed catalog, in the text ("Superviserede² aktiviteter") and before the footnote ("² Med …"), so
  // that no reader takes it for part of the word; a marker on the title stays off the title.
  for (const f of allFootnotes) {
    const owner = result.find(
      (r) => r.seedTitle.endsWith(f.marker) || r.beskrivelse.split(' ')[0].endsWith(f.marker),
    );
    if (!owner) throw new Error(`footnote ${f.marker} has no owner`);
    const [first, ...rest] = owner.beskrivelse.split(' ');
    if (first.endsWith(f.marker)) owner.beskrivelse = [first.slice(0, -f.marker.length) + superscript(f.marker), ...rest].join(' ');
    owner.fodnote = `${superscript(f.marker)} ${f.text}`;
  }
  return result;
}

export function parse140() {
  const text = readSeed('p140');
  const lines = seedLines(text);
  const startAt = lines.indexOf('Fælleskommunale indsatser §140');
  if (startAt < 0) throw new Error('heading "Fælleskommunale indsatser §140" not found');
  return blocks(lines, TITLES_140, startAt + 1).map(({ seedTitle, lines: raw }) => {
    const { lines: blk } = cleanBlock(raw);
    const body = stripTitle(blk, seedTitle);
    const ei = body.findIndex((l) => l.startsWith('Eksempler på aktiviteter:'));
    if (ei < 0) throw new Error(`no examples for ${seedTitle}`);
    if (body[ei] !== 'Eksempler på aktiviteter:') throw new Error(`unexpected intro line ${body[ei]}`);
    let list = norm(body.slice(ei + 1).join(' ')).replace(/\.$/, '');
    const protectedParts = [];
    for (const k of KEEP_TOGETHER_140) {
      if (list.includes(k)) {
        protectedParts.push(k);
        list = list.replace(k, `\u0000${protectedParts.length - 1}\u0000`);
      }
    }
    const eksempler = list
      .split(', ')
      .map((s) => s.replace(/\u0000(\d+)\u0000/g, (_, n) => protectedParts[Number(n)]))
      .map(norm);
    return {
      seedTitle,
      title: seedTitle,
      beskrivelse: norm(body.slice(0, ei).join(' ')),
      eksempelIndledning: 'Eksempler på aktiviteter:',
      eksempler,
      droppedTrailing: null,
    };
  });
}

// Print the extraction when run directly (handy for review).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify({ p119: parse119(), p140: parse140() }, null, 2));
}
