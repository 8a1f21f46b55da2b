import { FIELD_LABEL, type ImportPlan, type PlannedCode, removalNotice } from '../import-plan';
import { IssueList } from './common';
import { formatNumber } from '../words';

const SHOWN = 50;

function CodeList({ codes, label, withFields = false }: { codes: PlannedCode[]; label: string; withFields?: boolean }) {
  return (
    <ul class="plan-codes" aria-label={label}>
      {codes.slice(0, SHOWN).map((c) => (
        <li key={c.code}>
          <code class="code">{c.code}</code> {c.display}
          {withFields && c.fields && c.fields.length > 0 && <span class="muted small"> – ændrer {c.fields.map((f) => FIELD_LABEL[f] ?? f).join(', ')}</span>}
          {c.madeOutsideImport && <span class="badge status-draft">oprettet i redigeringen</span>}
        </li>
      ))}
      {codes.length > SHOWN && <li class="muted">… og {formatNumber(codes.length - SHOWN)} mere</li>}
    </ul>
  );
}

/** The preview of an import: what is added, changed and removed, and the warnings it would give. */
export function ImportPlanView({ plan }: { plan: ImportPlan }) {
  const removal = removalNotice(plan.removed.length, plan.removed.filter((c) => c.madeOutsideImport).length);
  return (
    <div class="import-plan">
      <dl class="summary">
        <div><dt>Tilføjes</dt><dd>{formatNumber(plan.added.length)}</dd></div>
        <div><dt>Ændres</dt><dd>{formatNumber(plan.changed.length)}</dd></div>
        <div class={plan.removed.length > 0 ? 'bad' : undefined}><dt>Slettes</dt><dd>{formatNumber(plan.removed.length)}</dd></div>
        <div><dt>Uændrede</dt><dd>{formatNumber(plan.unchanged)}</dd></div>
        {plan.mode === 'merge' && <div><dt>Bevares (ikke i filen)</dt><dd>{formatNumber(plan.kept)}</dd></div>}
      </dl>
      {plan.removed.length > 0 && (
        <div class="notice warn">
          <p><strong>{removal.lead}</strong>{removal.rest}</p>
          <CodeList codes={plan.removed} label="Koder der slettes" />
        </div>
      )}
      {plan.added.length > 0 && (<><h4>Tilføjes</h4><CodeList codes={plan.added} label="Koder der tilføjes" /></>)}
      {plan.changed.length > 0 && (<><h4>Ændres</h4><CodeList codes={plan.changed} label="Koder der ændres" withFields /></>)}
      {plan.added.length + plan.changed.length + plan.removed.length === 0 && <p>Filen ændrer intet i kataloget.</p>}
      {plan.warnings.length > 0 && (<><h4>Advarsler</h4><IssueList issues={plan.warnings} lines /></>)}
    </div>
  );
}
