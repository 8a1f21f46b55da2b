import type { CodeSystem, Coding } from 'fhir/r4';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { CATALOGS, catalogOf } from '../catalogs';
import { takeFlash } from '../flash';
import { useAsync, usePageTitle } from '../hooks';
import { entryMatches, isWritable, localEntries, nameOf } from '../local-model';
import { searchTerms } from '../catalog-search';
import { loadMunicipality, type MunicipalityData } from '../municipality';
import { href } from '../router';
import type { Session } from '../session';
import { catalogKeyFor } from './browse';
import { count, equivalenceLabel, formatNumber, kommuneNavn } from '../words';
import { CatalogTag, useCatalogIndex } from './catalog-tag';
import { ErrorBox, focusLater, IssueList, Loading, NoMunicipality, StatusBadge } from './common';
import { ReplaceTargetButton, useCatalogChanges } from './save-warnings';
import type { Issue } from '../fhir';
import type { Replacement } from '../replace-target';
import { ResourceHistory } from './history';

export const KIND_LABEL: Record<string, string> = { indsats: 'Indsats', tilbud: 'Tilbud' };

/** A common concept, linked to in its own catalog and named with it (§119, §140, FFB …). */
export function TargetLink({ c }: { c: Coding }) {
  const index = useCatalogIndex();
  if (!c.system || !c.code) return <span>{c.display ?? c.code}</span>;
  return (
    <>
      <a href={href('kataloger', catalogOf(index, c.system, c.code)?.key ?? catalogKeyFor(c.system), c.code)}>{c.display ?? c.code}</a>
      {' '}<CatalogTag system={c.system} code={c.code} />
    </>
  );
}

function editHref(data: MunicipalityData, c: Coding): string | undefined {
  const cs = data.codeSystems.find((x) => x.url === c.system);
  return cs && isWritable(cs) && c.code ? href('kommune', 'rediger', cs.id, c.code) : undefined;
}

const PAGE_SIZE = 50;

function CatalogTable({ cs, data }: { cs: CodeSystem; data: MunicipalityData }) {
  const entries = useMemo(() => localEntries(cs, data.conceptMaps), [cs, data.conceptMaps]);
  const writable = isWritable(cs);
  const retired = useMemo(() => new Map(data.coverage.retiredTarget.filter((t) => t.source.system === cs.url)
    .map((t) => [`${t.source.code}|${t.target.code}`, t.status ?? 'retired'])), [cs.url, data.coverage]);
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const words = searchTerms(query);
  const shown = useMemo(() => entries.filter((e) => entryMatches(e, words)), [entries, words.join(' ')]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const rows = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const filterId = `filter-${cs.id}`;
  const tableId = `entries-${cs.id}`;
  const goTo = (n: number) => {
    setPage(n);
    focusLater(`${tableId}-caption`);
  };
  return (
    <section class="local-catalog" aria-labelledby={`cs-${cs.id}`}>
      <h2 id={`cs-${cs.id}`}>{cs.title ?? cs.name ?? nameOf(cs)}</h2>
      <p class="muted small">
        Katalognavn <code>{nameOf(cs)}</code> · version {cs.version ?? '–'}
        {writable ? ` · gemt version ${cs.meta?.versionId}` : ' · offentliggjort eksempel, kan ikke ændres her'}
      </p>
      {entries.length === 0 ? <p class="muted">Kataloget har endnu ingen lokale indsatser eller tilbud.</p> : (
        <>
          {entries.length > PAGE_SIZE / 5 && (
            <div class="field table-filter" role="search">
              <label for={filterId}>Find i {cs.title ?? nameOf(cs)}</label>
              <input id={filterId} type="search" value={query} autocomplete="off" placeholder="kode, titel eller fælleskommunalt begreb"
                onInput={(e) => { setQuery((e.target as HTMLInputElement).value); setPage(0); }} />
            </div>
          )}
          <p class="muted small" role="status" id={`${tableId}-status`}>
            {words.length > 0 ? `${count(shown.length, 'kode matcher', 'koder matcher')} »${query.trim()}« af ${formatNumber(entries.length)}` : count(entries.length, 'lokal kode', 'lokale koder')}
            {pages > 1 && ` · viser ${formatNumber(current * PAGE_SIZE + 1)}–${formatNumber(current * PAGE_SIZE + rows.length)}`}
          </p>
          {rows.length > 0 && (
            <table class="entries" id={tableId}>
              <caption id={`${tableId}-caption`} tabIndex={-1} class="sr-only">
                {cs.title ?? nameOf(cs)}{pages > 1 ? `, side ${current + 1} af ${pages}` : ''}
              </caption>
              <thead>
                <tr><th scope="col">Kode</th><th scope="col">Titel</th><th scope="col">Type</th><th scope="col">Koblet til (fælleskommunalt)</th>{writable && <th scope="col"><span class="sr-only">Handling</span></th>}</tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.code}>
                    <td data-label="Kode"><code class="code">{e.code}</code></td>
                    <td data-label="Titel">{e.display} <StatusBadge status={e.status} />{e.definition && <div class="muted small">{e.definition}</div>}</td>
                    <td data-label="Type">{KIND_LABEL[e.kind ?? ''] ?? e.kind ?? '–'}</td>
                    <td data-label="Koblet til">
                      {e.targets.length === 0 ? <span class="badge status-retired">ikke koblet</span> : (
                        <ul class="plain">
                          {e.targets.map((t) => (
                            <li key={`${t.system}|${t.code}`}>
                              <TargetLink c={t} />{t.equivalence && <span class="muted small"> ({equivalenceLabel(t.equivalence)})</span>}
                              <StatusBadge status={retired.get(`${e.code}|${t.code}`) ?? 'active'} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    {writable && <td><a href={href('kommune', 'rediger', cs.id, e.code)} aria-label={`Redigér ${e.display}`}>Redigér</a></td>}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {pages > 1 && (
            <nav class="pager" aria-label={`Sider i ${cs.title ?? nameOf(cs)}`}>
              <button type="button" class="secondary" disabled={current === 0} onClick={() => goTo(current - 1)}>Forrige</button>
              <span>Side {current + 1} af {pages}</span>
              <button type="button" class="secondary" disabled={current >= pages - 1} onClick={() => goTo(current + 1)}>Næste</button>
            </nav>
          )}
        </>
      )}
      {writable && <><ResourceHistory type="CodeSystem" id={cs.id!} title="Historik for kataloget" />{data.conceptMaps.filter((m) => m.id && m.group?.some((g) => g.source === cs.url)).map((m) => <ResourceHistory key={m.id} type="ConceptMap" id={m.id!} title="Historik for koblingerne" />)}</>}
    </section>
  );
}

/** Shows the first `limit` items, and a button for the rest (a list of 2,000 unmapped codes stays usable). */
function Capped<T>({ items, limit = 20, render, label }: { items: T[]; limit?: number; render: (t: T, i: number) => ComponentChildren; label: string }) {
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, limit);
  return (
    <>
      <ul aria-label={label}>{shown.map((t, i) => render(t, i))}</ul>
      {items.length > limit && !all && <button type="button" class="link" onClick={() => setAll(true)}>Vis alle {formatNumber(items.length)}</button>}
    </>
  );
}

/** The catalog (§119, §140, FFB) a coverage value set is, by its canonical URL. */
function catalogLabel(valueSet: string | undefined): string {
  const url = valueSet?.split('|')[0];
  const c = CATALOGS.find((x) => x.valueSet === url);
  return c ? c.label : url ?? 'Andre';
}

function groupBy<T>(items: T[], key: (t: T) => string): [string, T[]][] {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return [...out];
}

function CoverageReport({ data, session }: { data: MunicipalityData; session: Session }) {
  const c = data.coverage;
  const s = c.summary;
  // What "Brug i stedet" did, said here: the list is loaded again after the write, and the link it was in is gone.
  const [replaced, setReplaced] = useState<{ r: Replacement; warnings: Issue[] }>();
  const onReplaced = (r: Replacement, warnings: Issue[]) => {
    setReplaced({ r, warnings });
    focusLater('coverage-replaced');
  };
  return (
    <section class="coverage" aria-labelledby="coverage-title">
      <h2 id="coverage-title">Dækning</h2>
      <div role="status" id="coverage-replaced" tabIndex={-1}>
        {replaced && (
          <div class="notice ok">
            <p>{replaced.r.source.display ?? replaced.r.source.code} (<code class="code">{replaced.r.source.code}</code>) er nu koblet til{' '}
              {replaced.r.use.display ?? replaced.r.use.code} i stedet for {replaced.r.target.display ?? replaced.r.target.code}.</p>
            <IssueList issues={replaced.warnings} />
          </div>
        )}
      </div>
      <dl class="summary">
        <div><dt>Lokale koder</dt><dd>{formatNumber(s.localCodes ?? 0)}</dd></div>
        <div class={s.unmappedLocalCodes ? 'bad' : undefined}><dt>Ikke koblet</dt><dd>{formatNumber(s.unmappedLocalCodes ?? 0)}</dd></div>
        <div class={s.retiredTargets ? 'bad' : undefined}><dt>Koblet til udgåede koder</dt><dd>{formatNumber(s.retiredTargets ?? 0)}</dd></div>
        <div class={s.legacyTargets ? 'bad' : undefined}><dt>Koblet til ældre nøgler</dt><dd>{formatNumber(s.legacyTargets ?? 0)}</dd></div>
        <div><dt>Fælleskommunale indsatser uden lokal kobling</dt><dd>{formatNumber(s.uncoveredCommonInterventions ?? 0)} af {formatNumber(s.commonInterventions ?? 0)}</dd></div>
      </dl>
      {c.unmapped.length > 0 && (
        <>
          <h3>Lokale koder uden kobling ({formatNumber(c.unmapped.length)})</h3>
          <Capped items={c.unmapped} label="Lokale koder uden kobling" render={(u) => {
            const edit = editHref(data, u.concept);
            return (
              <li key={`${u.concept.system}|${u.concept.code}`}>
                {u.concept.display ?? u.concept.code} <code class="small code">{u.concept.code}</code>
                {u.type && <span class="muted small"> ({KIND_LABEL[u.type] ?? u.type})</span>}
                {edit && <> – <a href={edit}>kobl nu</a></>}
              </li>
            );
          }} />
        </>
      )}
      {c.retiredTarget.length > 0 && (
        <>
          <h3>Koblet til udgåede eller udgående koder</h3>
          <ul>
            {c.retiredTarget.map((t) => {
              const edit = editHref(data, t.source);
              return (
                <li key={`${t.source.system}|${t.source.code}|${t.target.code}`}>
                  {t.source.display ?? t.source.code} → <TargetLink c={t.target} /> <StatusBadge status={t.status ?? 'retired'} />
                  {t.replacedBy.map((r, j) => (
                    <span key={j}> – <ReplaceTargetButton session={session} kommunekode={data.kommunekode}
                      replacement={{ source: t.source, target: t.target, use: r, why: 'retired' }} onDone={onReplaced} /></span>
                  ))}
                  {edit && <> – <a href={edit}>ret koblingen</a></>}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {c.legacyTarget.length > 0 && (
        <>
          <h3>Koblet til ældre FSIII-nøgler</h3>
          <ul>
            {c.legacyTarget.map((t) => (
              <li key={`${t.source.system}|${t.source.code}|${t.target.code}`}>{t.source.display ?? t.source.code} → {t.target.code}{t.replacedBy?.code && (
                <> – <ReplaceTargetButton session={session} kommunekode={data.kommunekode}
                  replacement={{ source: t.source, target: t.target, use: t.replacedBy, why: 'legacy' }} onDone={onReplaced} /></>
              )}</li>
            ))}
          </ul>
        </>
      )}
      {c.uncovered.length > 0 && (
        <>
          <h3>Fælleskommunale indsatser, som ingen lokal kode er koblet til</h3>
          {groupBy(c.uncovered, (u) => catalogLabel(u.valueSet)).map(([label, list]) => (
            <details key={label} class="uncovered">
              <summary>{label}: {count(list.length, 'indsats', 'indsatser')} uden lokal kobling</summary>
              <ul class="columns" aria-label={`${label}: indsatser uden lokal kobling`}>
                {list.map((u) => <li key={u.concept.code}><TargetLink c={u.concept} /></li>)}
              </ul>
            </details>
          ))}
        </>
      )}
    </section>
  );
}

export function Municipality({ session }: { session: Session }) {
  const kommunekode = session.kommunekode;
  const [flash] = useState(takeFlash);
  const changes = useCatalogChanges();
  usePageTitle(['Min kommune']);
  const data = useAsync(() => (kommunekode ? loadMunicipality(kommunekode) : Promise.resolve(undefined)), [kommunekode, changes]);
  useEffect(() => {
    if (flash) focusLater('municipality-flash');
  }, []);
  if (!kommunekode) {
    return (
      <div class="municipality">
        <h1>Min kommune</h1>
        <NoMunicipality what="se og redigere dens katalog" />
      </div>
    );
  }
  const navn = session.kommunenavn ?? kommuneNavn(kommunekode);
  return (
    <div class="municipality">
      <h1 id="municipality-title">{navn}: lokale indsatser og tilbud</h1>
      {flash && <div class="notice ok" role="status" id="municipality-flash" tabIndex={-1}>{flash}</div>}
      <p class="actions">
        <a class="button" href={href('kommune', 'ny')}>Ny lokal indsats eller tilbud</a>
        <a class="button secondary" href={href('import')}>Importér fra CSV</a>
      </p>
      {data.error ? <ErrorBox error={data.error} /> : !data.data ? <Loading what="kommunens katalog" /> : (
        <div class="municipality-grid">
          <div class="catalogs">
            {data.data.codeSystems.length === 0 && (
              <p>Kommunen har endnu intet lokalt katalog. Opret den første lokale indsats, eller importér en CSV-fil.</p>
            )}
            {data.data.codeSystems.map((cs) => <CatalogTable key={cs.id} cs={cs} data={data.data!} />)}
          </div>
          <CoverageReport data={data.data} session={session} />
        </div>
      )}
    </div>
  );
}
