/**
 * The shape of an import's plan, shared by the server (import-plan.ts, which makes it) and the web page
 * (web/src/import-plan.ts, which reads it from the $import-local answer): types (and a message id) only and no
 * imports, so that both builds (tsconfig.json, web/tsconfig.json) take the file.
 */

/** The message id of a refused import's last issue, which counts all its errors (the issues list only the first ones). */
export const IMPORT_REFUSED = 'IMPORT_REFUSED';

/** `replace`: the catalog becomes the file (codes not in it are removed); `merge`: add and update only. */
export type ImportMode = 'replace' | 'merge';

/** The parts of a local code an import can change. */
export type EntryField = 'titel' | 'definition' | 'type' | 'status' | 'maal';

export interface PlannedCode {
  code: string;
  display?: string;
  /** For a changed code: what changes. */
  fields?: EntryField[];
  /** For a removed code: it came into the catalog by another write than an import (the web page's editor, a PUT). */
  madeOutsideImport?: boolean;
}

export interface ImportPlan {
  mode: ImportMode;
  added: PlannedCode[];
  changed: PlannedCode[];
  removed: PlannedCode[];
  /** Codes of the file that are already in the catalog as they are. */
  unchanged: number;
  /** Codes of the catalog that are not in the file and are kept (merge). */
  kept: number;
  /** The version of the catalog the plan is made against ('0': none yet); the import may require it (`basedOn`). */
  basedOn: string;
}
