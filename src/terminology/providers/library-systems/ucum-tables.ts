import type { UcumAtom, UcumTables } from './ucum-structure';

interface EssenceUnit {
  isBase?: boolean;
  isMetric?: string;
  names?: string[];
}

export interface LhcUnit {
  name_: string;
  isMetric_: boolean;
  isBase_: boolean;
  source_: string | null;
}

/**
 * UCUM's prefixes and atoms with the names UCUM's own table (ucum-essence.xml, as shipped by the `ucum` package)
 * gives them: ucum-lhc renames many atoms (`l` is "Liters", `s` "second - time") and adds LOINC's unit strings as
 * if they were atoms, so its table serves only for atoms the essence does not list yet (those of later UCUM
 * releases, where it keeps UCUM's source).
 */
export function ucumTables(lhcUnit: (code: string) => LhcUnit | null | undefined): UcumTables {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const prefixes = require('ucum/generated/prefixMetadata.json') as Record<string, { names: string[] }>;
  const units = require('ucum/generated/unitMetadata.json') as Record<string, EssenceUnit>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const atoms = new Map<string, UcumAtom>();
  for (const [code, u] of Object.entries(units)) {
    if (u.names?.[0]) atoms.set(code, { name: u.names[0], takesPrefix: u.isBase === true || u.isMetric === 'yes' });
  }
  return {
    // the file lists the prefixes in UCUM's order
    prefixes: Object.entries(prefixes).map(([code, p]) => ({ code, name: p.names[0] ?? code })),
    atom(code: string): UcumAtom | undefined {
      const known = atoms.get(code);
      if (known || code === '') return known;
      const lhc = lhcUnit(code);
      return lhc && lhc.source_ === 'UCUM' ? { name: lhc.name_, takesPrefix: lhc.isBase_ || lhc.isMetric_ } : undefined;
    },
  };
}
