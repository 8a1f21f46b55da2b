import type { CodeSystem, Coding } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { systemName } from '../catalogs';
import { takeFlash } from '../flash';
import { useAsync } from '../hooks';
import { isWritable, localEntries, nameOf } from '../local-model';
import { loadMunicipality, type MunicipalityData } from '../municipality';
import { href } from '../router';
import type { Session } from '../session';
import { catalogKeyFor } from './browse';
import { ErrorBox, Loading, StatusBadge } from './common';
import { ResourceHistory } from './history';

export const KIND_LABEL: Record<string, string> = { indsats: 'Indsats', tilbud: 'Tilbud' };

export function TargetLink({ c }: { c: Coding }) {
  if (!c.system || !c.code) return <span>{c.display ?? c.code}</span>;
  return <a href={href('kataloger', catalogKeyFor(c.system), c.code)}>{c.display ?? c.code}</a>;
}

function editHref(data: MunicipalityData, c: Coding): string | undefined {
  const cs = data.codeSystems.find((x) => x.url === c.system);
  return cs && isWritable(cs) && c.code ? href('kommune', 'rediger', cs.id, c.code) : undefined;
}

function CatalogTable({ cs, data }: { cs: CodeSystem; data: MunicipalityData }) {
  const entries = localEntries(cs, data.conceptMaps);
  const writable = isWritable(cs);
  const retired = new Map(data.coverage.retiredTarget.filter((t) => t.source.system === cs.url)
    .map((t) => [`${t.source.code}|${t.target.code}`, t.status ?? 'retired']));
  return (
    <section class="local-catalog" aria-labelledby={`cs-${cs.id}`}>
      <h3 id={`cs-${cs.id}`}>{cs.title ?? cs.name ?? nameOf(cs)}</h3>
      <p class="muted small">
        Katalognavn <code>{nameOf(cs)}</code> · version {cs.version ?? '–'}
        {writable ? ` · gemt version ${cs.meta?.versionId}` : ' · offentliggjort eksempel, kan ikke ændres her'}
      </p>
      {entries.length === 0 ? <p class="muted">Kataloget har endnu ingen lokale indsatser eller tilbud.</p> : (
        <table class="entries">
          <thead>
            <tr><th scope="col">Kode</th><th scope="col">Titel</th><th scope="col">Type</th><th scope="col">Koblet til (fælleskommunalt)</th>{writable && <th scope="col"><span class="sr-only">Handling</span></th>}</tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.code}>
                <td><code>{e.code}</code></td>
                <td>{e.display} <StatusBadge status={e.status} />{e.definition && <div class="muted small">{e.definition}</div>}</td>
                <td>{KIND_LABEL[e.kind ?? ''] ?? e.kind ?? '–'}</td>
                <td>
                  {e.targets.length === 0 ? <span class="badge status-retired">ikke koblet</span> : (
                    <ul class="plain">
                      {e.targets.map((t) => (
                        <li key={`${t.system}|${t.code}`}>
                          <TargetLink c={t} /> <span class="muted small">({systemName(t.system)})</span>
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
      {writable && <><ResourceHistory type="CodeSystem" id={cs.id!} title="Historik for kataloget" />{data.conceptMaps.filter((m) => m.id && m.group?.some((g) => g.source === cs.url)).map((m) => <ResourceHistory key={m.id} type="ConceptMap" id={m.id!} title="Historik for koblingerne" />)}</>}
    </section>
  );
}

function CoverageReport({ data }: { data: MunicipalityData }) {
  const c = data.coverage;
  const s = c.summary;
  return (
    <section class="coverage" aria-labelledby="coverage-title">
      <h3 id="coverage-title">Dækning</h3>
      <dl class="summary">
        <div><dt>Lokale koder</dt><dd>{s.localCodes ?? 0}</dd></div>
        <div class={s.unmappedLocalCodes ? 'bad' : undefined}><dt>Ikke koblet</dt><dd>{s.unmappedLocalCodes ?? 0}</dd></div>
        <div class={s.retiredTargets ? 'bad' : undefined}><dt>Koblet til udgåede koder</dt><dd>{s.retiredTargets ?? 0}</dd></div>
        <div class={s.legacyTargets ? 'bad' : undefined}><dt>Koblet til ældre nøgler</dt><dd>{s.legacyTargets ?? 0}</dd></div>
        <div><dt>Fælleskommunale indsatser uden lokal kobling</dt><dd>{s.uncoveredCommonInterventions ?? 0} af {s.commonInterventions ?? 0}</dd></div>
      </dl>
      {c.unmapped.length > 0 && (
        <>
          <h4>Lokale koder uden kobling</h4>
          <ul>
            {c.unmapped.map((u) => {
              const edit = editHref(data, u.concept);
              return (
                <li key={`${u.concept.system}|${u.concept.code}`}>
                  {u.concept.display ?? u.concept.code} <code class="small">{u.concept.code}</code>
                  {u.type && <span class="muted small"> ({KIND_LABEL[u.type] ?? u.type})</span>}
                  {edit && <> – <a href={edit}>kobl nu</a></>}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {c.retiredTarget.length > 0 && (
        <>
          <h4>Koblet til udgåede eller udgående koder</h4>
          <ul>
            {c.retiredTarget.map((t, i) => {
              const edit = editHref(data, t.source);
              return (
                <li key={i}>
                  {t.source.display ?? t.source.code} → <TargetLink c={t.target} /> <StatusBadge status={t.status ?? 'retired'} />
                  {t.replacedBy.length > 0 && <> – brug i stedet {t.replacedBy.map((r, j) => <span key={j}>{j > 0 && ', '}<TargetLink c={r} /></span>)}</>}
                  {edit && <> – <a href={edit}>ret koblingen</a></>}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {c.legacyTarget.length > 0 && (
        <>
          <h4>Koblet til ældre FSIII-nøgler</h4>
          <ul>
            {c.legacyTarget.map((t, i) => (
              <li key={i}>{t.source.display ?? t.source.code} → {t.target.code}{t.replacedBy?.code && <> – brug <TargetLink c={t.replacedBy} /></>}</li>
            ))}
          </ul>
        </>
      )}
      {c.uncovered.length > 0 && (
        <details>
          <summary>Fælleskommunale indsatser, som ingen lokal kode er koblet til ({c.uncovered.length})</summary>
          <ul class="columns">{c.uncovered.map((u) => <li key={u.concept.code}><TargetLink c={u.concept} /></li>)}</ul>
        </details>
      )}
    </section>
  );
}

export function Municipality({ session }: { session: Session }) {
  const kommunekode = session.kommunekode;
  const [flash] = useState(takeFlash);
  const data = useAsync(() => (kommunekode ? loadMunicipality(kommunekode) : Promise.resolve(undefined)), [kommunekode]);
  if (!kommunekode) {
    return <p class="notice warn">Dit token gælder ingen bestemt kommune (intet kommunekode-claim). Log ind med en kommunes token for at se og redigere dens katalog.</p>;
  }
  return (
    <div class="municipality">
      <h2>Kommune {kommunekode}: lokale indsatser og tilbud</h2>
      {flash && <div class="notice ok" role="status">{flash}</div>}
      <p class="actions">
        <a class="button" href={href('kommune', 'ny')}>Ny lokal indsats eller tilbud</a>
        <a class="button secondary" href={href('import')}>Importér fra CSV</a>
      </p>
      {data.error ? <ErrorBox error={data.error} /> : !data.data ? <Loading what="kommunens katalog" /> : (
        <>
          {data.data.codeSystems.length === 0 && (
            <p>Kommunen har endnu intet lokalt katalog. Opret den første lokale indsats, eller importér en CSV-fil.</p>
          )}
          {data.data.codeSystems.map((cs) => <CatalogTable key={cs.id} cs={cs} data={data.data!} />)}
          <CoverageReport data={data.data} />
        </>
      )}
    </div>
  );
}
