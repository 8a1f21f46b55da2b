/**
 * What to add to "code system not found" when `system` holds url|version: R4's `system` parameters are uris, and the
 * version goes in `version`. Empty for any other system.
 */
export function versionInSystemHint(system: string): { en: string; da: string } {
  if (!system.includes('|')) return { en: '', da: '' };
  return { en: ` ('system' is a uri: give the version in 'version')`, da: ` ('system' er en uri: angiv versionen i 'version')` };
}
