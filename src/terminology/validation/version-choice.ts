import type { ValueSetComposeInclude } from 'fhir/r4';
import { compareVersionsGeneral, versionMatches } from '../versions';
import { addToPath, type CodeSystemAccess } from './code-systems';
import type { ValidationState } from './context';
import { Designations } from './designations';
import { type Message, msg } from './messages';

/** Which code system version a coding is checked against, and whether that conflicts with the coding's version. */
export function chooseVersion(access: CodeSystemAccess, path: string, system: string, versionVS: string | undefined, versionCoding: string | undefined,
  state: ValidationState): string | undefined {
  let result = access.versionFor(system, versionVS);
  if (!versionCoding) return result;
  if (result && versionCoding !== result && versionMatches(result, versionCoding)) result = versionCoding;
  if (!result) {
    const known = access.listVersions(system);
    if (known.some((v) => v === versionCoding || versionMatches(versionCoding, v))) result = versionCoding;
  }
  const cs = access.findResource(system, result);
  if (cs && cs.version !== versionCoding && !versionMatches(versionCoding, cs.version)) {
    let severity: 'error' | 'warning' = 'error';
    let text: Message;
    if (!result) {
      severity = 'warning';
      text = msg.versionMismatchDefault(system, cs.version ?? '', versionCoding);
    } else if (result !== versionVS) {
      text = msg.versionMismatchChanged(system, result, versionVS ?? '', versionCoding);
    } else {
      text = msg.versionMismatch(system, versionVS ?? '', versionCoding);
    }
    state.report(severity, 'invalid', text, 'vs-invalid', [addToPath(path, 'version')]);
    if (severity === 'error') state.message(text);
    if (!access.findResource(system, versionCoding, false)) {
      const known = access.listVersions(system);
      state.unknownSystems.add(`${system}|${versionCoding}`);
      const unknown = known.length === 0
        ? msg.unknownCodeSystemVersionNone(system, versionCoding)
        : msg.unknownCodeSystemVersion(system, versionCoding, known);
      state.report('error', 'not-found', unknown, 'not-found', [addToPath(path, 'system')]);
      state.message(unknown);
    }
  } else if (!cs && result !== versionCoding) {
    const text = msg.versionMismatch(system, result ?? '', versionCoding);
    state.report('error', 'invalid', text, 'vs-invalid', [addToPath(path, 'version')]);
    state.message(text);
  }
  return result;
}

/** With includes of several versions of a system and no version on the coding: the newest version that has the code. */
export function pickApplicableVersion(access: CodeSystemAccess, versions: Set<string>, system: string, code: string, display?: string): string | undefined {
  const found: string[] = [];
  for (const v of versions) {
    const provider = access.find(system, v);
    const concept = provider?.locate(code);
    if (!provider || !concept) continue;
    if (!display) {
      found.push(v);
      continue;
    }
    const d = new Designations();
    d.addConcept(provider, concept);
    if (d.items.some((x) => x.value === display)) found.push(v);
  }
  if (found.length === versions.size) return undefined;
  const newest = (list: string[]) => [...list].sort((a, b) => -compareVersionsGeneral(a, b))[0];
  return found.length > 0 ? newest(found) : newest([...versions]);
}

/** An include of another version than the coding's is passed over when an include of the coding's version exists. */
export function useThisVersion(includes: ValueSetComposeInclude[], inc: ValueSetComposeInclude, version: string | undefined): boolean {
if (!version || inc.version === version) return true;
return !includes.some((i) => i.version === version);
}
