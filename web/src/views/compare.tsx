import { useRef, useState } from 'preact/hooks';
import { loadMatrix, matrixCsv, rollupCounts, rollupTableCsv, type OfferRule, type RollupChoice } from '../compare-api';
import {
  cellText, cellTotal, chartData, columnName, COMPARE_CATALOGS, compareCatalog, countsFileText, HEAT_LEGEND, heatLevel, missingRollupColumns,
  NOT_COUNTED_REASON, plainCounting,
  type CompareCatalog, type Matrix, type Rollup,
} from '../compare-model';
import { useAsync, usePageTitle } from '../hooks';
import { href, navigate } from '../router';
import { ErrorBox, FilePicker, Loading, Notice } from './common';
import { BarChart } from './compare-chart';
import { saveBlob } from '../download';
import { count, danishDate, formatNumber, kommuneNavn, kommunes } from '../words';

/** At most this many municipalities in the chart (and its table of numbers) at once, chosen by the user; the CSV has them all. */
const MAX_CHART_COLUMNS = 8;

function CatalogPicker({ current }: { current: CompareCatalog }) {
  return (
    <fieldset class="field radios catalog-picker">
      <legend>Katalog</legend>
      {COMPARE_CATALOGS.map((c) => (
        <label key={c.key}>
          <input type="radio" name="compare-catalog" value={c.key} checked={c.key === current.key} onChange={() => navigate('sammenlign', c.key)} />
          {c.label}
        </label>
      ))}
    </fieldset>
  );
}

function MatrixSummary({ matrix }: { matrix: Matrix }) {
  const lines = matrix.groups.flatMap((g) => g.lines);
  const none = lines.filter((l) => l.municipalities === 0);
  return (
    <div class="matrix-summary">
      <p>
        {count(matrix.municipalities.length, 'kommune har', 'kommuner har')} et lokalt katalog.{' '}
        {formatNumber(lines.length - none.length)} af {formatNumber(matrix.interventions)} fælleskommunale indsatser er dækket af mindst én kommune
        {none.length > 0 && <>; ingen kommune dækker {none.map((l) => l.display).join(', ')}</>}.
      </p>
      <ul class="plain columns">
        {matrix.municipalities.map((m) => (
          <li key={m.kommunekode}>{kommuneNavn(m.kommunekode)} ({m.kommunekode}): {formatNumber(m.covered)} af {formatNumber(matrix.interventions)} indsatser ({count(m.localCodes, 'lokal kode', 'lokale koder')} i alt)</li>
        ))}
      </ul>
    </div>
  );
}

function CoverageMatrix({ catalog, matrix }: { catalog: CompareCatalog; matrix: Matrix }) {
  const codes = matrix.municipalities.map((m) => m.kommunekode);
  if (codes.length === 0) return <Notice kind="info"><p>Ingen kommune har endnu et lokalt katalog.</p></Notice>;
  return (
    <>
      <MatrixSummary matrix={matrix} />
      <p class="heat-legend" aria-hidden="true">
        Antal lokale koder: {HEAT_LEGEND.map((label, level) => <span key={level} class={`heat-${level}`}>{label}</span>)}
      </p>
      <div class="matrix-scroll" role="region" aria-labelledby="matrix-caption" tabIndex={0}>
        <table class="matrix">
          <caption id="matrix-caption">{catalog.label}: lokale koder pr. fælleskommunal indsats og kommune</caption>
          <thead>
            <tr>
              <th scope="col">Fælleskommunal indsats</th>
              {codes.map((k) => <th key={k} scope="col" title={kommuneNavn(k)}><span class="sr-only">{kommuneNavn(k)} (</span>{k}<span class="sr-only">)</span></th>)}
              <th scope="col">Kommuner</th>
            </tr>
          </thead>
          {matrix.groups.map((g) => (
            <tbody key={g.browseKey}>
              {g.label && <tr class="group"><th scope="rowgroup" colSpan={codes.length + 2}>{g.label}</th></tr>}
              {g.lines.map((l) => (
                <tr key={l.code}>
                  <th scope="row"><a href={href('kataloger', g.browseKey, l.code)}>{l.display}</a></th>
                  {codes.map((k) => {
                    const cell = l.cells.get(k);
                    const n = cellTotal(cell);
                    return (
                      <td key={k} class={`heat-${heatLevel(n)}`} title={`${kommuneNavn(k)}: ${cellText(cell)}`}>
                        {n > 0 ? <>{formatNumber(n)}<span class="sr-only"> ({cellText(cell)})</span></> : <><span aria-hidden="true">–</span><span class="sr-only">ingen</span></>}
                      </td>
                    );
                  })}
                  <td class="total">{l.municipalities}</td>
                </tr>
              ))}
            </tbody>
          ))}
          <tfoot>
            <tr>
              <th scope="row">Dækkede indsatser</th>
              {matrix.municipalities.map((m) => <td key={m.kommunekode}>{m.covered} af {matrix.interventions}</td>)}
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <MatrixDownload catalog={catalog} />
    </>
  );
}

/** The matrix as CSV, saved under the page's own name for it (daekning-119.csv). */
function MatrixDownload({ catalog }: { catalog: CompareCatalog }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      saveBlob(`daekning-${catalog.key}.csv`, await matrixCsv(catalog));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p class="actions"><button type="button" class="secondary" disabled={busy} onClick={save}>Hent dækningen (CSV)</button></p>
      <ErrorBox error={error} />
    </>
  );
}

interface Counted {
  csv: string;
  choice: RollupChoice;
  rollup: Rollup;
}

const OFFER_LABEL: Record<OfferRule, string> = {
  'each-target': 'tilbud talt på hver af sine indsatser',
  exclude: 'tilbud ikke talt',
};

function RollupForm({ onCounted }: { onCounted: (c: Counted | undefined) => void }) {
  // read from the input when the form is sent, not from state: a click right after choosing must see the file
  const fileInput = useRef<HTMLInputElement>(null);
  const [offers, setOffers] = useState<OfferRule>('each-target');
  const [date, setDate] = useState('');
  const [byPeriod, setByPeriod] = useState(false);
  const [error, setError] = useState<unknown>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setProblem(undefined);
    const file = fileInput.current?.files?.[0];
    if (!file) return setProblem('Vælg en CSV-fil med tællinger.');
    const read = countsFileText(await file.arrayBuffer());
    if ('problem' in read) return setProblem(read.problem);
    const csv = read.text;
    const missing = missingRollupColumns(csv);
    if (missing.length > 0) return setProblem(`Filens første linje skal navngive kolonnerne; der mangler: ${missing.join(', ')}.`);
    setBusy(true);
    try {
      const choice: RollupChoice = { offers, ...(byPeriod ? { dateFromPeriod: true } : date ? { date } : {}) };
      onCounted({ csv, choice, rollup: await rollupCounts(csv, choice) });
    } catch (err) {
      onCounted(undefined);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="rollup-form" onSubmit={submit}>
      <div class="field">
        <label for="counts-file">Tællinger (CSV-fil)</label>
        <FilePicker id="counts-file" inputRef={fileInput} accept=".csv,text/csv" describedBy="counts-hint" />
        <p class="hint" id="counts-hint">
          Én linje pr. kode: kolonnerne <code>kommunekode</code>, <code>system</code>, <code>kode</code>, <code>antal</code> og evt.{' '}
          <code>periode</code> og <code>bydel</code>, adskilt af komma eller semikolon. Koderne kan være kommunernes lokale koder eller FSIII/FFB-koder.
        </p>
      </div>
      <fieldset class="field radios">
        <legend>Tilbud (sammensat af flere indsatser)</legend>
        <label><input type="radio" name="offers" checked={offers === 'each-target'} onChange={() => setOffers('each-target')} />Tælles på hver af sine indsatser</label>
        <label><input type="radio" name="offers" checked={offers === 'exclude'} onChange={() => setOffers('exclude')} />Tælles ikke</label>
      </fieldset>
      <div class="field">
        <label for="counts-date">Koblinger pr. dato (valgfri)</label>
        <input id="counts-date" type="date" value={date} disabled={byPeriod} onInput={(e) => setDate((e.currentTarget as HTMLInputElement).value)}
          aria-describedby="counts-date-hint" />
        <p class="hint" id="counts-date-hint">
          Uden dato tælles med kommunernes nyeste koblinger. Med en dato tælles med koblingerne og de lokale kataloger, som de var den dag,
          fx sidste års tal med sidste års koblinger.
        </p>
      </div>
      <div class="field">
        <label class="check">
          <input id="counts-period-date" type="checkbox" checked={byPeriod} onChange={(e) => setByPeriod((e.currentTarget as HTMLInputElement).checked)}
            aria-describedby="counts-period-hint" />
          Koblinger pr. rækkens periode
        </label>
        <p class="hint" id="counts-period-hint">
          Hver række tælles med koblingerne, som de var ved udgangen af dens periode (kolonnen <code>periode</code>: fx 2025, 2025M03, marts 2025, uge 12 2025, 2025K1, 1. kvartal 2025 eller 2025H2),
          så én fil kan rumme flere år.
        </p>
      </div>
      <button type="submit" disabled={busy}>{busy ? 'Tæller op …' : 'Tæl op'}</button>
      {problem && <Notice kind="error"><p>{problem}</p></Notice>}
      <ErrorBox error={error} />
    </form>
  );
}

function Summary({ rollup }: { rollup: Rollup }) {
  const s = rollup.summary;
  return (
    <dl class="summary">
      <div><dt>Rækker</dt><dd>{formatNumber(s.rows ?? 0)}</dd></div>
      <div><dt>Antal i filen</dt><dd>{formatNumber(s.inputCount ?? 0)}</dd></div>
      <div><dt>Talt som indsatser</dt><dd>{formatNumber(s.interventionInput ?? 0)}</dd></div>
      <div><dt>Talt som tilstande</dt><dd>{formatNumber(s.conditionInput ?? 0)}</dd></div>
      <div class={s.notCountedInput ? 'bad' : undefined}><dt>Ikke talt</dt><dd>{formatNumber(s.notCountedInput ?? 0)}</dd></div>
      <div><dt>Lagt til af tilbud</dt><dd>{formatNumber(s.offerExtra ?? 0)}</dd></div>
    </dl>
  );
}

function RowNotes({ rollup }: { rollup: Rollup }) {
  return (
    <>
      {rollup.notCounted.length > 0 && (
        <>
          <h3>Ikke talt</h3>
          <table class="entries">
            <thead><tr><th scope="col">Linje</th><th scope="col">Kommune</th><th scope="col">Kode</th><th scope="col">Antal</th><th scope="col">Årsag</th></tr></thead>
            <tbody>
              {rollup.notCounted.map((n) => (
                <tr key={n.line}>
                  <td data-label="Linje">{n.line}</td>
                  <td data-label="Kommune">{kommuneNavn(n.kommunekode)} ({n.kommunekode})</td>
                  <td data-label="Kode"><code class="code">{n.code}</code></td>
                  <td data-label="Antal">{formatNumber(n.count)}</td>
                  <td data-label="Årsag">{NOT_COUNTED_REASON[n.reason] ?? n.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {rollup.replaced.length > 0 && (
        <>
          <h3>Talt på afløseren af en udgået kode</h3>
          <ul>
            {rollup.replaced.map((r) => (
              <li key={r.line}>
                Linje {r.line}: {kommunes(r.kommunekode)} <code class="code">{r.code}</code> ({formatNumber(r.count)}) er koblet til den udgåede {r.replaced.display ?? r.replaced.code} og er
                talt på {r.replacement.display ?? r.replacement.code}.
              </li>
            ))}
          </ul>
        </>
      )}
      {rollup.outdated.length > 0 && (
        <>
          <h3>Talt på en udgået kode uden afløser</h3>
          <ul>
            {rollup.outdated.map((r) => <li key={r.line}>Linje {r.line}: {kommuneNavn(r.kommunekode)}, {r.concept.display ?? r.concept.code} ({formatNumber(r.count)})</li>)}
          </ul>
        </>
      )}
    </>
  );
}

/** A municipality's column of the numbers under the chart: named as its bars are, and in full for a screen reader and as the title. */
function ColumnHeader({ column }: { column: string }) {
  return (
    <th scope="col" title={columnName(column)}>
      <span aria-hidden="true">{columnName(column, true)}</span><span class="sr-only">{columnName(column)}</span>
    </th>
  );
}

function RollupResult({ catalog, matrix, counted }: { catalog: CompareCatalog; matrix: Matrix; counted: Counted }) {
  const { rollup } = counted;
  const [chosen, setChosen] = useState<string[]>(() => rollup.columns.slice(0, MAX_CHART_COLUMNS));
  const columns = rollup.columns.filter((c) => chosen.includes(c));
  const data = chartData(rollup, matrix, columns);
  const title = `Dokumenterede indsatser pr. fælleskommunal indsats (niveau 2): ${catalog.label}`;
  const how = `${OFFER_LABEL[counted.choice.offers]}${counted.choice.date ? `; koblinger pr. ${danishDate(counted.choice.date)}` : ''}` +
    `${counted.choice.dateFromPeriod ? '; koblinger pr. rækkens periode' : ''}`;
  const description = `Søjlediagram med én søjle pr. kommune (${columns.map((c) => columnName(c)).join(', ')}) for hver af katalogets ${formatNumber(data.categories.length)} indsatser med tællinger; ` +
    `${how}. Tallene står også i tabellen under diagrammet.`;
  const toggle = (c: string, on: boolean) => setChosen((list) => (on ? [...list, c] : list.filter((x) => x !== c)));
  return (
    <div class="rollup-result">
      <Notice kind="info"><p>{plainCounting(rollup.counting)}</p></Notice>
      <Summary rollup={rollup} />
      {rollup.columns.length > MAX_CHART_COLUMNS && (
        <fieldset class="chart-columns">
          <legend>Kommuner i diagrammet (højst {MAX_CHART_COLUMNS})</legend>
          {rollup.columns.map((c) => (
            <label key={c}>
              <input type="checkbox" checked={chosen.includes(c)} disabled={!chosen.includes(c) && chosen.length >= MAX_CHART_COLUMNS}
                onChange={(e) => toggle(c, (e.currentTarget as HTMLInputElement).checked)} />{columnName(c)}
            </label>
          ))}
        </fieldset>
      )}
      {data.categories.length === 0
        ? <p>Filen har ingen tællinger på indsatser i {catalog.label}.</p>
        : (
          <BarChart input={{ title, subtitle: `Kilde: kommunernes tællinger, lagt sammen efter deres koblinger; ${how}.`, series: data.series, categories: data.categories }}
            description={description} fileStem={`rollup-${catalog.key}`} csv={() => rollupTableCsv(counted.csv, counted.choice)} />
        )}
      {data.outside > 0 && (
        <p class="muted">Desuden {formatNumber(data.outside)} talt på indsatser uden for {catalog.label} (vælg et andet katalog, eller hent optællingen).</p>
      )}
      {data.categories.length > 0 && (
        <div class="matrix-scroll" role="region" aria-labelledby="rollup-caption" tabIndex={0}>
          <table class="matrix counts">
            <caption id="rollup-caption">Tallene i diagrammet: {catalog.label}</caption>
            <thead><tr><th scope="col">Fælleskommunal indsats</th>{columns.map((c) => <ColumnHeader key={c} column={c} />)}</tr></thead>
            <tbody>
              {data.categories.map((cat) => (
                <tr key={cat.code}><th scope="row">{cat.label}</th>{cat.values.map((v, i) => <td key={i}>{formatNumber(v)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RowNotes rollup={rollup} />
    </div>
  );
}

export function Compare({ catalogKey }: { catalogKey?: string }) {
  const catalog = compareCatalog(catalogKey);
  usePageTitle([catalog.label, 'Sammenlign kommuner']);
  const matrix = useAsync(async (signal) => ({ key: catalog.key, matrix: await loadMatrix(catalog, signal) }), [catalog.key]);
  // while another catalog loads, the previous one's matrix is not shown under this one's name
  const current = matrix.data?.key === catalog.key ? matrix.data.matrix : undefined;
  const [counted, setCounted] = useState<Counted>();
  return (
    <div class="compare">
      <h1>Sammenlign kommuner</h1>
      <p class="intro">
        Hvilke fælleskommunale indsatser dækker kommunernes lokale kataloger, og hvor mange indsatser har de dokumenteret? Vælg et katalog, og
        indlæs en fil med tællinger fra kommunerne for at se dem lagt sammen pr. fælleskommunal indsats (niveau 2).
      </p>
      <CatalogPicker current={catalog} />
      <section aria-labelledby="coverage-heading">
        <h2 id="coverage-heading">Dækning: lokale koder pr. indsats</h2>
        <p class="muted small">
          Et tal er antallet af kommunens lokale indsatser og tilbud, der er koblet til den fælleskommunale indsats (en kobling til en udgået kode tæller
          på dens afløser). Vælg en indsats for at se dens beskrivelse og de lokale koder.
        </p>
        {matrix.error ? <ErrorBox error={matrix.error} /> : !current ? <Loading what="dækningen" /> : <CoverageMatrix catalog={catalog} matrix={current} />}
      </section>
      <section aria-labelledby="rollup-heading">
        <h2 id="rollup-heading">Optælling pr. indsats</h2>
        <RollupForm onCounted={setCounted} />
        {counted && current && <RollupResult key={counted.rollup.columns.join('|')} catalog={catalog} matrix={current} counted={counted} />}
      </section>
    </div>
  );
}
