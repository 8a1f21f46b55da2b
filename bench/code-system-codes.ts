import { get, json, param } from './client';

const enc = encodeURIComponent;

type Concept = { code: string; concept?: Concept[] };
type Entry = { resource: { version?: string; concept?: Concept[] } };

/**
 * Every code of the version of a code system that an unversioned reference uses (hierarchies walked). With two
 * versions side by side (e.g. FSIII and its next release from a package) the search finds both; the version is the
 * one the server's own `$lookup` answers with, so a code only the older version has is not in the pool.
 */
export async function currentCodes(port: number, base: string, system: string): Promise<string[]> {
  const a = await get(port, `${base}/CodeSystem?url=${enc(system)}`);
  if (a.status !== 200) throw new Error(`search CodeSystem ${system} answered ${a.status}: ${a.body.slice(0, 300)}`);
  const entries = (json<{ entry?: Entry[] }>(a).entry ?? []).map((e) => e.resource);
  const codesOf = (r: Entry['resource']): string[] => {
    const out: string[] = [];
    const walk = (list: Concept[] | undefined): void => {
      for (const c of list ?? []) {
        out.push(c.code);
        walk(c.concept);
      }
    };
    walk(r.concept);
    return out;
  };
  if (entries.length <= 1) return entries.flatMap(codesOf);
  for (const code of entries.flatMap(codesOf)) {
    const lookup = await get(port, `${base}/CodeSystem/$lookup?system=${enc(system)}&code=${enc(code)}`);
    if (lookup.status !== 200) continue;
    const version = param(lookup, 'version')?.valueString;
    const current = entries.find((r) => r.version === version);
    if (current) return codesOf(current);
  }
  throw new Error(`no version of ${system} answers $lookup`);
}
