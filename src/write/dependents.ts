import type { ConceptMap, ValueSet } from 'fhir/r4';
import type { Principal } from '../auth/verifier';
import { excerpt } from '../errors/excerpt';
import { asClause, issueText, type Bilingual } from '../errors/issue';
import { untilKnown } from '../municipal/missing-includes';
import { ownerOf } from '../municipal/municipality';
import type { RuleIssue } from '../municipal/rule-issues';
import { validateTerminologyResource } from '../municipal/write-rules';
import type { TerminologyRegistry } from '../terminology/registry';
import type { ResourceSet, TerminologyResource } from '../terminology/resource-set';
import { municipalityGenitive } from '../municipal/kommuner';

/** A code system or value set a write deletes or replaces, and what it becomes (nothing: deleted). */
export interface Changed {
  before: TerminologyResource;
  after?: TerminologyResource;
  /** The write's entry (its index in a transaction). */
  entry: number;
}

/** What the check found: the warning, at the entry of the write that changes what the dependent uses. */
export interface DependentIssue {
  issue: RuleIssue;
  entry: number;
}

/**
 * The written ConceptMaps and ValueSets that use a code system or value set the write deletes or replaces, and would
 * be broken by it: a map or value set using a code system (or value set) the write deletes, and a map whose source or
 * target codes an update takes away — one the write rules would now refuse for it (a map naming the version it was
 * made for keeps it: that version stays addressable). Those the write itself rewrites or deletes are left to their
 * own checks (`skip`). One warning per dependent, naming the first thing that breaks and whose the dependent is, to
 * the writer: the write is made (FHIR's canonical references are not held to referential integrity, and a
 * municipality may delete its catalog before its map), and its author learns what to change next, in Danish.
 */
export function brokenDependents(
  changed: readonly Changed[], written: ResourceSet, before: TerminologyRegistry, after: TerminologyRegistry, skip: ReadonlySet<string>,
  writer: Principal,
): DependentIssue[] {
  const urls = new Set(changed.filter((c) => c.before.url).map((c) => c.before.url!));
  if (urls.size === 0) return [];
  // deleted (or moved to another url), and no other version of its url answers after the write
  const deleted = new Set(changed.filter((c) => !c.after && c.before.url && !after.find(c.before.resourceType, c.before.url)).map((c) => c.before.url!));
  const out: DependentIssue[] = [];
  for (const cm of written.list('ConceptMap')) {
    if (skip.has(`ConceptMap/${cm.id}`) || !usesAny(mapSystems(cm), urls)) continue;
    // a deleted resource's versions end with it, the pinned ones too (the write rules would still find those now)
    const gone = mapSystems(cm).find((u) => deleted.has(u));
    if (gone) {
      out.push(dependentIssue(writer, cm, changedBy(changed, [gone]), {
        en: `it maps from or to '${excerpt(gone)}', which the write deletes`, da: `den mapper fra eller til '${excerpt(gone)}', som skrivningen sletter`,
      }));
      continue;
    }
    // the map as the write leaves it first: only when it has errors, which of them it has now too
    const errors = validateTerminologyResource(cm, after).filter((i) => i.severity === 'error');
    if (errors.length === 0) continue;
    const now = errorTexts(validateTerminologyResource(cm, before));
    const broken = errors.find((i) => !now.has(issueText(i)));
    if (broken) out.push(dependentIssue(writer, cm, changedBy(changed, mapSystems(cm)), broken.text));
  }
  for (const vs of written.list('ValueSet')) {
    if (skip.has(`ValueSet/${vs.id}`)) continue;
    const gone = valueSetUses(vs).find((u) => deleted.has(u));
    if (gone) {
      const cause = changedBy(changed, [gone]);
      const until = untilKnown(cause.before.resourceType === 'CodeSystem' ? 'CodeSystem' : 'ValueSet');
      out.push(dependentIssue(writer, vs, cause, {
        en: `it includes '${excerpt(gone)}', which the write deletes: until it is back, ${until.en}`,
        da: `det inkluderer '${excerpt(gone)}', som skrivningen sletter: indtil det er tilbage, ${until.da}`,
      }));
    }
  }
  return out;
}

function errorTexts(issues: readonly RuleIssue[]): Set<string> {
  return new Set(issues.filter((i) => i.severity === 'error').map((i) => issueText(i)));
}

function usesAny(used: readonly string[], urls: ReadonlySet<string>): boolean {
  return used.some((u) => urls.has(u));
}

/** The code systems a map's groups map from and to. */
function mapSystems(cm: ConceptMap): string[] {
  return (Array.isArray(cm.group) ? cm.group : []).flatMap((g) => [g?.source, g?.target].filter((s): s is string => typeof s === 'string'));
}

/** The code systems and value sets a value set's compose includes (urls, without versions). */
function valueSetUses(vs: ValueSet): string[] {
  return (Array.isArray(vs.compose?.include) ? vs.compose!.include : []).flatMap((inc) => [
    ...(typeof inc?.system === 'string' ? [inc.system] : []),
    ...(Array.isArray(inc?.valueSet) ? inc.valueSet.filter((v): v is string => typeof v === 'string').map((v) => v.split('|')[0]!) : []),
  ]);
}

function changedBy(changed: readonly Changed[], used: readonly string[]): Changed {
  return changed.find((c) => c.before.url !== undefined && used.includes(c.before.url))!;
}

/**
 * Whose the dependent is, as the writer reads it: their own (a municipality's token, its resource), a common catalog's
 * (no municipality's) or another municipality's; and whether it is the writer's to change (their own, or a common
 * catalog's to an admin), when the warning says to change it too.
 */
function ownerOfDependent(writer: Principal, dependent: TerminologyResource): { whose: Bilingual; theirs: boolean } {
  const owner = ownerOf(dependent);
  if (owner !== undefined && owner === writer.kommunekode) return { whose: { en: 'your own ', da: 'jeres ' }, theirs: true };
  if (owner === undefined) return { whose: { en: "a common catalog's ", da: 'et fælleskommunalt katalogs ' }, theirs: writer.admin };
  const whose = municipalityGenitive(owner);
  return { whose: { en: `${whose.en} `, da: `${whose.da} ` }, theirs: false };
}

function dependentIssue(writer: Principal, dependent: TerminologyResource, cause: Changed, why: string | Bilingual): DependentIssue {
  const what = `${cause.before.resourceType}/${cause.before.id}`;
  const who = `${dependent.resourceType}/${dependent.id} (${excerpt(dependent.url ?? '')})`;
  const reason = typeof why === 'string' ? { en: asClause(why), da: asClause(why) } : { en: asClause(why.en), da: asClause(why.da) };
  const { whose, theirs } = ownerOfDependent(writer, dependent);
  const verb = cause.after ? { en: 'changes', da: 'ændrer' } : { en: 'deletes', da: 'sletter' };
  const next = `${dependent.resourceType}/${dependent.id}`;
  return {
    entry: cause.entry,
    issue: {
      severity: 'warning', code: 'business-rule', expression: [cause.before.resourceType],
      text: {
        en: `The write ${verb.en} ${what}, which ${whose.en}${who} uses: ${reason.en}${theirs ? `. Change or delete ${next} too` : ''}`,
        da: `Skrivningen ${verb.da} ${what}, som ${whose.da}${who} bruger: ${reason.da}.${theirs ? ` Ret eller slet også ${next}.` : ''}`,
      },
    },
  };
}
