import { issueText } from '../errors/issue';
import { TerminologyLoadError, type LoadedTerminology } from '../terminology/loader';
import type { TerminologyRegistry } from '../terminology/registry';
import { isUnderMunicipalBase, ownerOf } from './municipality';
import { validateTerminologyResource } from './write-rules';

/** Warnings logged per file; a generated catalog can have one per code (tens of thousands of lines at every start). */
export const WARNINGS_PER_FILE = 20;

/**
 * Applies the write validation to the municipal resources among the published catalogs (the examples under
 * terminology/examples; a url under the municipal base makes a resource one, whatever its form): an error stops start-up like a broken file does; warnings are returned for the log, at
 * most WARNINGS_PER_FILE per file and then a line with the number left out.
 */
export function checkPublishedLocalCatalogs(registry: TerminologyRegistry, catalogs: LoadedTerminology): string[] {
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const resource of catalogs.resources) {
    if (ownerOf(resource) === undefined && !isUnderMunicipalBase(resource.url)) continue;
    const file = catalogs.files.get(resource) ?? `${resource.resourceType}/${resource.id}`;
    let fileWarnings = 0;
    for (const i of validateTerminologyResource(resource, registry)) {
      const line = `${file}: ${i.expression?.[0] ? `${i.expression[0]}: ` : ''}${issueText(i)}`;
      if (i.severity === 'error') errors.push(line);
      else if (++fileWarnings <= WARNINGS_PER_FILE) warnings.push(line);
    }
    if (fileWarnings > WARNINGS_PER_FILE) warnings.push(`${file}: ${fileWarnings - WARNINGS_PER_FILE} more warnings like these`);
  }
  if (errors.length > 0) {
    throw new TerminologyLoadError(`municipal catalog does not validate: ${errors.slice(0, 20).join('; ')}${errors.length > 20 ? ` (and ${errors.length - 20} more)` : ''}`);
  }
  return warnings;
}
