import type { CodeSystem, ConceptMap, ConceptMapGroup, ValueSet } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { danishReason } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import type { CodeSystemProvider, Concept, ConceptStatus } from '../terminology/providers/provider';
import { entryKey } from '../terminology/compose/evaluator';
import { evaluateValueSet, type IndexedComposeResult } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { findLegacyReplacement, replacementsOf, type Replacement } from '../terminology/replacements';
import { currentCode } from '../terminology/catalog-levels';
import { statusNameDa } from '../terminology/status-name';
import { localKindOf, localTypePropertyCode, ownerOfCanonical, type LocalKind } from './municipality';
import { niveau2ValueSets } from './niveau2-catalogs';
import { Issues } from './rule-issues';
import { NO_MAPPING } from '../terminology/equivalence';

/** The write rules of a ConceptMap: its sources and targets exist, a local code maps as its kind must, the targets are in the value set its scope names. */

/**
 * A code the system does not have: an error when the system holds all its codes; a warning when its content is a
 * fragment, an example or not present, since the code may be valid (as $validate-code says of it). A municipality's
 * map is held to the codes the systems have.
 */
function absentCode(issues: Issues, provider: CodeSystemProvider, text: Bilingual, expression: string, localCode: string, municipal: boolean): void {
  const content = provider.resource.content ?? 'complete';
  if (content === 'complete' || municipal) {
    issues.error('code-invalid', { en: text.en, da: `${text.da}.` }, expression, localCode);
    return;
  }
  issues.warning('code-invalid', {
    en: `${text.en}, whose content is '${content}' (not complete), so the code may be valid`,
    da: `${text.da}, hvis indhold er '${content}' (ikke komplet), så koden kan være gyldig.`,
  }, expression, localCode);
}

function describeSystem(provider: CodeSystemProvider): string {
  const cs = provider.resource;
  const name = cs.title ?? cs.name ?? cs.url;
  return `${name} (${provider.url}${provider.version ? `|${provider.version}` : ''})`;
}

/** What a map's elements say of one local code: its kind and targets, and where its first element is. */
interface SourceTally {
  code: string;
  kind?: LocalKind;
  targets: string[];
  group: number;
  element: number;
}

/**
 * The tallies of a map's local codes, by group source and code, in the order their first elements come. A large
 * map has thousands of elements, so a path is written only for an issue (elementPath).
 */
class SourceTallies {
  readonly list: SourceTally[] = [];
  private readonly bySource = new Map<string, Map<string, SourceTally>>();

  of(source: string, code: string, group: number, element: number): SourceTally {
    let codes = this.bySource.get(source);
    if (!codes) this.bySource.set(source, codes = new Map());
    let tally = codes.get(code);
    if (!tally) {
      codes.set(code, tally = { code, targets: [], group, element });
      this.list.push(tally);
    }
    return tally;
  }
}

const elementPath = (group: number, element: number): string => `ConceptMap.group[${group}].element[${element}]`;

export function checkConceptMap(cm: ConceptMap, owner: string | undefined, registry: TerminologyRegistry, issues: Issues): void {
  const municipal = owner !== undefined;
  if (municipal) {
    const scope = cm.sourceUri ?? cm.sourceCanonical;
    const scopeOwner = ownerOfCanonical(scope);
    if (scope && scopeOwner === undefined) {
      issues.error('business-rule', {
        en: `The map's source '${excerpt(scope)}' is not a catalog of municipality ${owner}; a municipality maps its own local catalog`,
        da: `Koblingens kilde '${excerpt(scope)}' er ikke et katalog fra kommune ${owner}; en kommune kobler sit eget lokale katalog.`,
      }, cm.sourceUri ? 'ConceptMap.sourceUri' : 'ConceptMap.sourceCanonical');
    } else if (scope && scopeOwner !== owner) {
      issues.error('business-rule', {
        en: `The map's source '${excerpt(scope)}' is a catalog of municipality ${scopeOwner}, not of ${owner}`,
        da: `Koblingens kilde '${excerpt(scope)}' er et katalog fra kommune ${scopeOwner}, ikke fra ${owner}.`,
      }, cm.sourceUri ? 'ConceptMap.sourceUri' : 'ConceptMap.sourceCanonical');
    }
    if ((cm.group ?? []).length === 0) issues.warning('incomplete', { en: 'The map has no group: no local code is mapped', da: 'Koblingen har ingen gruppe: ingen lokal kode er koblet.' }, 'ConceptMap.group');
  }
  const tallies = new SourceTallies();
  const scopes = targetScopesOf(cm, registry, issues, municipal);
  (cm.group ?? []).forEach((group, gi) => checkGroup(group, gi, owner, registry, issues, tallies, scopes.length === 0));
  if (municipal) {
    for (const t of tallies.list) {
      const code = t.code;
      if (t.kind === 'indsats' && t.targets.length !== 1) {
        issues.error('business-rule', t.targets.length === 0
          ? {
            en: `Local intervention '${excerpt(code)}' has no target; a local intervention maps to exactly one common (niveau 2) intervention`,
            da: `Den lokale indsats '${excerpt(code)}' er ikke koblet; en lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2).`,
          }
          : {
            en: `Local intervention '${excerpt(code)}' has ${t.targets.length} targets (${t.targets.join(', ')}); a local intervention maps to exactly one common (niveau 2) intervention`,
            da: `Den lokale indsats '${excerpt(code)}' er koblet til ${t.targets.length} begreber (${t.targets.join(', ')}); en lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2).`,
          },
        elementPath(t.group, t.element), code);
      } else if (t.kind === 'tilbud' && t.targets.length === 0) {
        issues.error('business-rule', {
          en: `Offer '${excerpt(code)}' has no target; an offer maps to one or more common (niveau 2) interventions`,
          da: `Tilbuddet '${excerpt(code)}' er ikke koblet; et tilbud kobles til en eller flere fælleskommunale indsatser (niveau 2).`,
        }, elementPath(t.group, t.element), code);
      }
    }
  }
  // a target one scope refuses is not refused again by the next (said once, counted once against the issues kept)
  const refused = new Set<string>();
  for (const scope of scopes) checkTargetsIn(cm, registry, issues, municipal, scope, refused);
}

/** `warnGroupings`: a target that is a grouping concept is warned of (when no value set the targets must be in says more). */
function checkGroup(
  group: ConceptMapGroup, gi: number, owner: string | undefined, registry: TerminologyRegistry, issues: Issues, tallies: SourceTallies, warnGroupings: boolean,
): void {
  const path = `ConceptMap.group[${gi}]`;
  const municipal = owner !== undefined;
  let sourceProvider: CodeSystemProvider | undefined;
  let typeCode: string | undefined;
  if (!group.source) {
    if (municipal) issues.error('required', { en: 'The group needs a source: the local CodeSystem being mapped', da: 'Gruppen skal have en kilde: det lokale kodesystem, der kobles.' }, `${path}.source`);
  } else {
    const sourceOwner = ownerOfCanonical(group.source);
    if (municipal && sourceOwner === undefined) {
      issues.error('business-rule', {
        en: `The group's source '${excerpt(group.source)}' is not a local catalog of municipality ${owner}`,
        da: `Gruppens kilde '${excerpt(group.source)}' er ikke et lokalt katalog fra kommune ${owner}.`,
      }, `${path}.source`);
    } else if (municipal && sourceOwner !== owner) {
      issues.error('business-rule', {
        en: `The group's source '${excerpt(group.source)}' is a catalog of municipality ${sourceOwner}; municipality ${owner} can only map its own catalogs`,
        da: `Gruppens kilde '${excerpt(group.source)}' er et katalog fra kommune ${sourceOwner}; kommune ${owner} kan kun koble sine egne kataloger.`,
      }, `${path}.source`);
    }
    sourceProvider = registry.codeSystemProvider(group.source, group.sourceVersion);
    if (!sourceProvider && municipal) {
      const named = `${group.source}${group.sourceVersion ? `|${group.sourceVersion}` : ''}`;
      issues.error('not-found', {
        en: `The source CodeSystem '${named}' is not known; write it first or in the same transaction`,
        da: `Kildekodesystemet '${named}' kendes ikke; skriv det først eller i samme transaktion.`,
      }, `${path}.source`);
    }
    if (sourceProvider) typeCode = localTypePropertyCode(sourceProvider.resource);
  }
  let targetProvider: CodeSystemProvider | undefined;
  if (!group.target) {
    if (municipal) issues.error('required', { en: 'The group needs a target: the common code system (FSIII or FFB)', da: 'Gruppen skal have et mål: det fælles kodesystem (FSIII eller FFB).' }, `${path}.target`);
  } else if (municipal && ownerOfCanonical(group.target) !== undefined) {
    issues.error('business-rule', {
      en: `The group's target '${excerpt(group.target)}' is a municipal code system; local codes map to the common catalogs (FSIII, FFB)`,
      da: `Gruppens mål '${excerpt(group.target)}' er et kommunalt kodesystem; lokale koder kobles til de fælles kataloger (FSIII, FFB).`,
    }, `${path}.target`);
  } else {
    targetProvider = registry.codeSystemProvider(group.target, group.targetVersion);
    if (!targetProvider) {
      const named = `${group.target}${group.targetVersion ? `|${group.targetVersion}` : ''}`;
      const text = {
        en: `The target code system '${named}' is not known, so its codes cannot be checked`,
        da: `Målkodesystemet '${named}' kendes ikke, så dets koder kan ikke kontrolleres.`,
      };
      if (municipal) issues.error('not-found', text, `${path}.target`);
      else issues.warning('not-found', text, `${path}.target`);
    }
  }

  // R4's group.unmapped answers for the codes the group does not map; a municipality maps each local code itself, to
  // the intervention it is compared on (provided would answer a local code as a common one, fixed one intervention
  // for every code left out, which $coverage and $export show as unmapped)
  const unmappedMode = group.unmapped?.mode;
  if (municipal && unmappedMode !== undefined && unmappedMode !== 'other-map') {
    issues.error('business-rule', {
      en: `The group's unmapped mode '${excerpt(String(unmappedMode))}' is not for a municipality's map: map each local code to its niveau-2 intervention in an element (other-map, to another of the municipality's maps, may stay)`,
      da: `Gruppens unmapped-tilstand '${excerpt(String(unmappedMode))}' kan ikke bruges i en kommunes kobling: kobl hver lokal kode til sin indsats på niveau 2 i et element (other-map, til en anden af kommunens koblinger, må blive).`,
    }, `${path}.unmapped.mode`);
  }
  const targetFacts = targetProvider && targetFactsOf(targetProvider, registry, group.target!);
  const source = group.source ?? '';
  /** Each code's first element in this group. */
  const firstElement = new Map<string, number>();
  const elements = group.element ?? [];
  for (let ei = 0; ei < elements.length; ei++) {
    const el = elements[ei]!;
    const code = el.code;
    if (!code) {
      issues.error('required', { en: 'The element has no code', da: 'Elementet har ingen kode.' }, `${elementPath(gi, ei)}.code`);
      continue;
    }
    const first = firstElement.get(code);
    // R4 lets a map give a code several elements; a municipality's map keeps all of a local code's targets in one
    if (first !== undefined && municipal) {
      issues.error('duplicate', {
        en: `Local code '${excerpt(code)}' has two elements in the same group (first at ${elementPath(gi, first)}); put all its targets in one element`,
        da: `Den lokale kode '${excerpt(code)}' har to elementer i samme gruppe (første gang i ${elementPath(gi, first)}); saml alle dens mål i ét element.`,
      }, `${elementPath(gi, ei)}.code`, code);
    } else {
      firstElement.set(code, ei);
    }
    const sourceConcept = sourceProvider?.locate(code);
    if (sourceProvider && !sourceConcept) {
      absentCode(issues, sourceProvider, {
        en: `Source code '${excerpt(code)}' is not in ${describeSystem(sourceProvider)}`,
        da: `Kildekoden '${excerpt(code)}' findes ikke i ${describeSystem(sourceProvider)}`,
      }, `${elementPath(gi, ei)}.code`, code, municipal);
    }
    const tally = tallies.of(source, code, gi, ei);
    if (sourceConcept && typeCode) tally.kind = localKindOf(sourceConcept, typeCode);

    // this element's targets are the tally's from here on
    const ownTargets = tally.targets.length;
    const targets = el.target ?? [];
    for (let ti = 0; ti < targets.length; ti++) {
      const t = targets[ti]!;
      if (t.equivalence && NO_MAPPING.has(t.equivalence)) continue;
      const at = (): string => `${elementPath(gi, ei)}.target[${ti}].code`;
      if (!t.code) {
        issues.error('required', {
          en: `A target of '${excerpt(code)}' has no code (only equivalence unmatched or disjoint may leave it out)`,
          da: `Et mål for '${excerpt(code)}' har ingen kode (kun ækvivalensen unmatched eller disjoint må udelade den).`,
        }, at(), code);
        continue;
      }
      if (tally.targets.indexOf(t.code, ownTargets) !== -1) {
        issues.error('duplicate', { en: `Local code '${excerpt(code)}' lists target '${excerpt(t.code)}' twice`, da: `Den lokale kode '${excerpt(code)}' er koblet til '${excerpt(t.code)}' to gange.` }, at(), code);
        continue;
      }
      tally.targets.push(t.code);
      if (targetProvider) checkTarget(targetProvider, targetFacts!(t.code), code, t.code, at, issues, municipal, warnGroupings);
    }
  }
}

/** What the check of a target depends on besides the source code: the same for every element that maps to the code. */
interface TargetFacts {
  concept?: Concept;
  legacy?: Replacement;
  status?: ConceptStatus;
  /** The replacements of a retired, inactive or deprecated target, as the warning names them. */
  replacedBy?: string;
}

/** The facts about each target code of a group, worked out once per code (a large map has thousands of elements and a few hundred targets). */
function targetFactsOf(provider: CodeSystemProvider, registry: TerminologyRegistry, system: string): (code: string) => TargetFacts {
  const known = new Map<string, TargetFacts>();
  return (code) => {
    let facts = known.get(code);
    if (!facts) {
      const concept = provider.locate(code);
      facts = { concept };
      if (concept) {
        facts.legacy = findLegacyReplacement(registry, system, code);
        facts.status = provider.status(concept);
        if (facts.status === 'retired' || facts.status === 'inactive' || facts.status === 'deprecated') {
          facts.replacedBy = replacementsOf(provider, concept).map((r) => `${r.code}${r.display ? ` (${r.display})` : ''}`).join(', ');
        }
      }
      known.set(code, facts);
    }
    return facts;
  };
}

function checkTarget(
  provider: CodeSystemProvider, facts: TargetFacts, sourceCode: string, code: string, at: () => string, issues: Issues, municipal: boolean, warnGroupings: boolean,
): void {
  const { concept, legacy, status, replacedBy } = facts;
  if (!concept) {
    absentCode(issues, provider, {
      en: `Target code '${excerpt(code)}' (for '${excerpt(sourceCode)}') is not in ${describeSystem(provider)}`,
      da: `Målkoden '${excerpt(code)}' (for '${excerpt(sourceCode)}') findes ikke i ${describeSystem(provider)}`,
    }, at(), sourceCode, municipal);
    return;
  }
  if (legacy && municipal) {
    issues.warning('business-rule', {
      en: `Target '${excerpt(code)}' (for '${excerpt(sourceCode)}') is a legacy key; use the code ${legacy.code}${legacy.display ? ` (${legacy.display})` : ''}`,
      da: `Målet '${excerpt(code)}' (for '${excerpt(sourceCode)}') er en ældre FSIII-nøgle; brug i stedet koden ${legacy.code}${legacy.display ? ` (${legacy.display})` : ''}.`,
    }, at(), sourceCode);
  }
  if (replacedBy !== undefined) {
    issues.warning('business-rule', {
      en: `Target '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' is ${status}` +
        (replacedBy ? `; it is replaced by ${replacedBy}` : '; no replacement is recorded'),
      da: `Målet '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' er ${status && statusNameDa(status)}` +
        (replacedBy ? `; brug i stedet ${replacedBy}.` : '; der er ikke angivet en afløser.'),
    }, at(), sourceCode);
  }
  if (municipal && warnGroupings && concept.children.length > 0 && !legacy) {
    issues.warning('business-rule', {
      en: `Target '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' is a grouping concept with ${concept.children.length} sub-concepts; map to a niveau-2 intervention`,
      da: `Målet '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' er et grupperingsbegreb med ${concept.children.length} underbegreber; kobl til en indsats på niveau 2.`,
    }, at(), sourceCode);
  }
}

/** The value sets a map's target codes must be in (one of them), and what to say of one that is not. */
interface TargetScope {
  valueSets: ValueSet[];
  notIn: (target: string, source: string | undefined) => Bilingual;
}

/**
 * When the map names a target value set, every target code must be in it (the catalog the map claims): in the version
 * of the target code system the group names (group.targetVersion, as `$validate-code`'s system-version would), else
 * in the version the value set takes by itself. A map made for the release in use stays valid while a newer one that
 * no longer has one of its targets is loaded beside it. A municipality's map is held to the niveau-2 catalogs too,
 * whatever it names: a local intervention or offer maps to a common intervention, not to a condition, a grouping
 * (niveau 1) or a code of another catalog, which a roll-up would count as one.
 */
function targetScopesOf(cm: ConceptMap, registry: TerminologyRegistry, issues: Issues, municipal: boolean): TargetScope[] {
  const scopes: TargetScope[] = [];
  const scope = cm.targetUri ?? cm.targetCanonical;
  const vs = scope ? registry.findCanonical('ValueSet', scope) : undefined;
  if (vs) {
    const named = `${vs.title ?? vs.name ?? vs.url} (${scope})`;
    scopes.push({
      valueSets: [vs], notIn: (t, el) => ({
        en: `Target code '${excerpt(t)}' (for '${excerpt(el)}') is not in the target value set ${named}`,
        da: `Målkoden '${excerpt(t)}' (for '${excerpt(el)}') er ikke i målets katalog ${named}.`,
      }),
    });
  } else if (scope && !registry.findCodeSystem(scope)) {
    issues.warning('not-found', {
      en: `The target scope '${excerpt(scope)}' is not a known ValueSet, so target codes were not checked against it`,
      da: `Målområdet '${excerpt(scope)}' er ikke et kendt ValueSet, så målkoderne er ikke kontrolleret mod det.`,
    }, cm.targetUri ? 'ConceptMap.targetUri' : 'ConceptMap.targetCanonical');
  }
  const valueSets = municipal ? niveau2ValueSets(registry) : [];
  if (valueSets.length === 0) return scopes;
  const named = valueSets.map((v) => v.url).join(', ');
  scopes.push({
    valueSets, notIn: (t, el) => ({
      en: `Target code '${excerpt(t)}' (for '${excerpt(el)}') is not a common (niveau 2) intervention, service or offer: it is in none of ${named}; ` +
        'a local intervention or offer maps to one, not to a condition or a grouping',
      da: `Målkoden '${excerpt(t)}' (for '${excerpt(el)}') er ikke en fælleskommunal indsats, ydelse eller et tilbud på niveau 2: den er ikke i ${named}; ` +
        'en lokal indsats eller et lokalt tilbud kobles til en sådan, ikke til en tilstand eller et grupperingsbegreb.',
    }),
  });
  return scopes;
}

/** Every target code of the map's groups is in `vs` (with the target code system in the version each group names). */
function checkTargetsIn(cm: ConceptMap, registry: TerminologyRegistry, issues: Issues, municipal: boolean, { valueSets, notIn }: TargetScope, refused: Set<string>): void {
  const scopeIndexes = valueSets.map((vs) => targetScopeIndexes(registry, vs, vs.url ?? '', issues));
  (cm.group ?? []).forEach((group, gi) => {
    if (!group.target) return;
    const indexes = scopeIndexes.map((scopeIndex) => scopeIndex(group.target!, group.targetVersion));
    // a value set that cannot be evaluated (warned of) checks nothing: the codes are not held to the others alone
    if (indexes.some((index) => index === undefined)) return;
    const index = { has: (key: string) => indexes.some((i) => i!.has(key)) };
    // a common map's target the code system does not hold, when its content is partial, may be in the value set too:
    // checkTarget has warned of it (as $validate-code answers it: possibly valid)
    // (a code the target code system does not have at all is reported as such by checkTarget, and not again here)
    const targetSystem = registry.codeSystemProvider(group.target, group.targetVersion);
    const partial = targetSystem !== undefined && (targetSystem.resource.content ?? 'complete') !== 'complete';
    const mayHold = (code: string) => targetSystem !== undefined && !targetSystem.locate(code) && (municipal || partial);
    // a municipality's retired or legacy-key target, warned of with the code to use (checkTarget), is judged by that code
    const successorIn = (code: string): boolean => {
      const concept = municipal ? targetSystem?.locate(code) : undefined;
      const current = concept && currentCode(registry, targetSystem!, concept).concept.code;
      return current !== undefined && current !== code && index.has(entryKey(group.target!, current));
    };
    // a large map has thousands of elements and a few hundred target codes
    const inScope = new Map<string, boolean>();
    (group.element ?? []).forEach((el, ei) => {
      (el.target ?? []).forEach((t, ti) => {
        if (!t.code || (t.equivalence && NO_MAPPING.has(t.equivalence))) return;
        let found = inScope.get(t.code);
        if (found === undefined) inScope.set(t.code, found = index.has(entryKey(group.target!, t.code)) || mayHold(t.code) || successorIn(t.code));
        const at = `ConceptMap.group[${gi}].element[${ei}].target[${ti}].code`;
        if (found || refused.has(at)) return;
        refused.add(at);
        issues.error('code-invalid', notIn(t.code, el.code), at, el.code);
      });
    });
  });
}

type ScopeIndex = IndexedComposeResult['index'];

/**
 * The target value set's codes with the target code system in the version a group names, evaluated once per system
 * and version (a map's groups usually share both). Undefined when they cannot be checked: a version the server does
 * not have (checkGroup reports it), or a value set that cannot be evaluated (a warning, once).
 */
function targetScopeIndexes(
  registry: TerminologyRegistry, vs: ValueSet, scope: string, issues: Issues,
): (system: string, version: string | undefined) => ScopeIndex | undefined {
  const evaluated = new Map<string, ScopeIndex | undefined>();
  return (system, version) => {
    const key = version === undefined ? system : `${system}|${version}`;
    if (evaluated.has(key)) return evaluated.get(key);
    let index: ScopeIndex | undefined;
    if (version === undefined || registry.codeSystemProvider(system, version)) {
      try {
        index = evaluateValueSet(registry, vs, version === undefined ? {} : { systemVersions: new Map([[system, version]]) }).index;
      } catch (e) {
        const withVersion = (word: string): string => (version === undefined ? '' : ` (${word} ${excerpt(key)})`);
        const reason = danishReason(e);
        issues.warning('processing', {
          en: `The target value set '${excerpt(scope)}'${withVersion('with')} could not be evaluated (${(e as Error).message}); target codes were not checked against it`,
          da: `Målværdisættet '${excerpt(scope)}'${withVersion('med')} kunne ikke beregnes${reason ? ` (${reason})` : ''}; målkoderne er ikke kontrolleret mod det.`,
        });
      }
    }
    evaluated.set(key, index);
    return index;
  };
}
