import { ownEntry } from '../fhir/own-entry';

/**
 * The Danish names of the statuses a concept or a terminology resource has: FHIR's concept statuses (a status
 * property, `inactive`), its publication statuses (draft, active, retired), HL7's standards status (deprecated,
 * withdrawn) and `experimental`, as the catalogs' Danish users name them.
 */
const STATUS_DA: Readonly<Record<string, string>> = {
  active: 'aktiv',
  inactive: 'inaktiv',
  retired: 'udgået',
  deprecated: 'udgående',
  withdrawn: 'tilbagetrukket',
  draft: 'kladde',
  experimental: 'eksperimentel',
  unknown: 'ukendt',
};

/**
 * A status's Danish name for a Danish sentence (`udgået` for retired: «har status udgået»); a status without one (a
 * code system's own status code) is given as it is.
 */
export function statusNameDa(status: string): string {
  return ownEntry(STATUS_DA, status) ?? status;
}

/** Danish names a person may write for a status (a CSV file's `status` column): the names above, and "på vej ud", the web page's earlier name. */
const STATUS_BY_DANISH_NAME: ReadonlyMap<string, string> = new Map([
  ...Object.entries(STATUS_DA).map(([code, name]): [string, string] => [name, code]),
  ['på vej ud', 'deprecated'],
]);

/** The status a Danish name names (`udgået` → retired), in any case; undefined for any other text. */
export function statusOfDanishName(name: string): string | undefined {
  return STATUS_BY_DANISH_NAME.get(name.trim().toLowerCase());
}
