import type { Coding, ConceptMap, ConceptMapGroup, ConceptMapGroupElement } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { conceptKey, type ClosureConcept, type ClosureEntry, type ClosureTableState } from '../store/closure-store';
import { closureEntries, locateClosureConcepts } from '../terminology/closure-entries';
import type { TerminologyRegistry } from '../terminology/registry';
import type { CountLimit } from '../terminology/limited-list';
import { currentTimeBudget } from '../terminology/time-budget';
import type { ClosureLimits } from '../config';
import type { CommitGate } from '../store/commit-gate';
import type { OperationContext, OperationHandler } from './context';
import { excerpt } from '../errors/excerpt';

/**
 * ConceptMap/$closure (FHIR R4, "Maintaining a Closure Table"): a client keeps a transitive closure table of the
 * concepts it has met, and the server tells it, call by call, which subsumption relations the new concepts bring.
 *  - `name` only: initialises the table (or empties an existing one); the answer is an empty ConceptMap, version 0;
 *  - `name` + `concept`s: adds the concepts the table does not have yet; the answer lists the new relations and
 *    the table's version after the call (one more than before when something was added);
 *  - `version`: also answers every relation added after that version (resynchronisation; 0 gives all of them).
 * Relations are those of one code system's hierarchy, as $subsumes decides them (src/terminology/closure-entries.ts);
 * a niveau-3 code's map to niveau 2 is a mapping, not subsumption, and is not part of a closure table.
 */
const spec: OperationSpec = {
  name: 'closure',
  params: [
    { name: 'name', type: 'string' },
    { name: 'concept', type: 'Coding', repeats: true },
    { name: 'version', type: 'string' },
  ],
};

/** A closure table's name: what clients use (patient-problems, a UUID, a hash), without spaces or slashes. */
const TABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** Appends lost to a concurrent call on the same table are recomputed this many times before 409. */
const APPEND_ATTEMPTS = 5;

/**
 * The gate a change of a table passes, one per change: the request's (the batch entry's in a batch), closed when the
 * request times out, so that a change is either cancelled, and the timeout says nothing was written, or committed and
 * answered (README "Write outcomes"). Without a request (a caller of the handler itself) there is none.
 */
function commitGate(ctx: OperationContext): CommitGate | undefined {
  return ctx.caller?.gate() ?? ctx.batchEntryGate?.();
}

function closures(ctx: OperationContext): NonNullable<OperationContext['closures']> {
  if (!ctx.closures) throw new FhirError(501, 'not-supported', 'This server keeps no closure tables', { da: 'Serveren fører ingen closure-tabeller' });
  return ctx.closures;
}

function tableName(input: OperationInput): string {
  // required (checkRequired)
  const name = input.string('name')!;
  if (!TABLE_NAME.test(name)) {
    throw FhirError.invalid(`The closure table name '${excerpt(name)}' is not valid: 1–100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`, {
      expression: ['name'],
      da: `Closure-tabellens navn '${excerpt(name)}' er ikke gyldigt: 1–100 bogstaver, cifre, '.', '_', ':' eller '-', og det første skal være et bogstav eller ciffer`,
    });
  }
  return name;
}

function sinceVersion(input: OperationInput): number | undefined {
  const text = input.string('version');
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) {
    throw FhirError.invalid(`version must be a version this server answered (0, 1, 2 …), not '${excerpt(text, 20)}'`, {
      expression: ['version'], da: `version skal være en version, serveren har svaret med (0, 1, 2 …), ikke '${excerpt(text, 20)}'`,
    });
  }
  return Number(text);
}

function notInitialised(name: string): FhirError {
  return FhirError.notFound(`There is no closure table named '${name}': initialise it first with a call that gives only the name`, {
    txIssueType: 'not-found', expression: ['name'],
    da: `Der findes ingen closure-tabel med navnet '${name}': opret den først med et kald, der kun giver navnet`,
  });
}

/**
 * The entries a call may add to a table in `state`: those left of the table's limit, at most the call's. Past it the
 * call is refused before anything is written.
 */
function entriesLimit(name: string, state: ClosureTableState, limits: ClosureLimits): CountLimit {
  const room = Math.max(0, limits.entriesPerTable - state.entries);
  if (room < limits.entriesPerCall) {
    return {
      max: room,
      refusal: () => new FhirError(422, 'too-costly', `The closure table '${name}' would hold more than ${limits.entriesPerTable} entries ` +
        `(pairs of concepts, one subsuming the other); this server keeps at most ${limits.entriesPerTable} in one table`, {
        expression: ['concept'],
        da: `Closure-tabellen '${name}' ville få mere end ${limits.entriesPerTable} indgange (par af begreber, hvor det ene subsumerer det andet); ` +
          `serveren fører højst ${limits.entriesPerTable} i én tabel`,
      }),
    };
  }
  return {
    max: limits.entriesPerCall,
    refusal: () => new FhirError(422, 'too-costly', `The concepts of this call would add more than ${limits.entriesPerCall} entries ` +
      `(pairs of concepts, one subsuming the other) to the closure table '${name}'; at most ${limits.entriesPerCall} are added in one call: give fewer concepts a call`, {
      expression: ['concept'],
      da: `Kaldets begreber ville give closure-tabellen '${name}' mere end ${limits.entriesPerCall} nye indgange (par af begreber, hvor det ene subsumerer det andet); ` +
        `højst ${limits.entriesPerCall} tilføjes i ét kald: giv færre begreber pr. kald`,
    }),
  };
}

/** Adds the concepts the table does not have; the table's version afterwards and the entries the call added. */
async function addConcepts(
  ctx: OperationContext, name: string, first: ClosureTableState, concepts: ClosureConcept[],
): Promise<{ version: number; entries: ClosureEntry[] }> {
  const { store, limits } = closures(ctx);
  let state: ClosureTableState | undefined = first;
  for (let attempt = 0; attempt < APPEND_ATTEMPTS && state; attempt++) {
    const known = new Set(state.concepts.map(conceptKey));
    const added = concepts.filter((c) => !known.has(conceptKey(c)));
    if (added.length === 0) return { version: state.version, entries: [] };
    if (state.concepts.length + added.length > limits.conceptsPerTable) {
      const count = state.concepts.length + added.length;
      throw new FhirError(422, 'too-costly', `The closure table '${name}' would hold ${count} concepts; ` +
        `this server keeps at most ${limits.conceptsPerTable} in one table`, {
        expression: ['concept'], da: `Closure-tabellen '${name}' ville få ${count} begreber; serveren fører højst ${limits.conceptsPerTable} i én tabel`,
      });
    }
    const entries = closureEntries(ctx.registry, state.concepts, added, currentTimeBudget(), entriesLimit(name, state, limits));
    const version = await store.appendClosureTable(name, state.version, added, entries, commitGate(ctx));
    if (version !== undefined) return { version, entries };
    state = await store.readClosureTable(name);
  }
  if (!state) throw notInitialised(name);
  throw new FhirError(409, 'conflict', `The closure table '${name}' was changed by other calls at the same time; try again`, {
    da: `Closure-tabellen '${name}' blev ændret af andre kald samtidig; prøv igen`,
  });
}

/** The answer: a ConceptMap whose version is the table's; each entry an element (narrower) with a target (broader) that subsumes it. */
export function closureConceptMap(registry: TerminologyRegistry, name: string, version: number, entries: readonly ClosureEntry[]): ConceptMap {
  const displays = new Map<string, string | undefined>();
  const display = (c: ClosureConcept): string | undefined => {
    const key = conceptKey(c);
    if (!displays.has(key)) displays.set(key, registry.codeSystemProvider(c.system)?.locate(c.code)?.display);
    return displays.get(key);
  };
  const groups = new Map<string, { group: ConceptMapGroup; elements: Map<string, ConceptMapGroupElement> }>();
  for (const e of entries) {
    const groupKey = `${e.source.system}\u0000${e.target.system}`;
    let g = groups.get(groupKey);
    if (!g) {
      g = { group: { source: e.source.system, target: e.target.system, element: [] }, elements: new Map() };
      groups.set(groupKey, g);
    }
    let element = g.elements.get(e.source.code);
    if (!element) {
      const d = display(e.source);
      element = { code: e.source.code, ...(d ? { display: d } : {}), target: [] };
      g.elements.set(e.source.code, element);
      g.group.element.push(element);
    }
    const d = display(e.target);
    element.target!.push({ code: e.target.code, ...(d ? { display: d } : {}), equivalence: 'subsumes' });
  }
  return {
    resourceType: 'ConceptMap',
    name,
    title: `Closure table ${name}`,
    version: String(version),
    status: 'active',
    date: new Date().toISOString(),
    ...(groups.size > 0 ? { group: [...groups.values()].map((g) => g.group) } : {}),
  };
}

async function closure(input: OperationInput, ctx: OperationContext): Promise<ConceptMap> {
  const { store, limits } = closures(ctx);
  const name = tableName(input);
  const codings = input.all<Coding>('concept');
  const since = sinceVersion(input);
  if (codings.length > limits.conceptsPerCall) {
    throw new FhirError(413, 'too-long', `The call gives ${codings.length} concepts; at most ${limits.conceptsPerCall} are accepted in one call`, {
      expression: ['concept'], da: `Kaldet giver ${codings.length} begreber; højst ${limits.conceptsPerCall} modtages i ét kald`,
    });
  }
  if (codings.length === 0 && since === undefined) {
    await store.initClosureTable(name, limits.tables, commitGate(ctx));
    return closureConceptMap(ctx.registry, name, 0, []);
  }
  const state = await store.readClosureTable(name);
  if (!state) throw notInitialised(name);
  if (since !== undefined && since > state.version) {
    throw FhirError.invalid(`The closure table '${name}' is at version ${state.version}; version ${since} was never answered`, {
      expression: ['version'], da: `Closure-tabellen '${name}' er i version ${state.version}; version ${since} er aldrig givet som svar`,
    });
  }
  const added = codings.length > 0 ? await addConcepts(ctx, name, state, locateClosureConcepts(ctx.registry, codings)) : { version: state.version, entries: [] };
  if (since === undefined) return closureConceptMap(ctx.registry, name, added.version, added.entries);
  // Resynchronisation: everything after `since`, the entries of this call included (and those of any call since).
  const entries = await store.closureEntriesSince(name, since);
  const version = entries.reduce((v, e) => Math.max(v, e.version), added.version);
  return closureConceptMap(ctx.registry, name, version, entries);
}

export const closureOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type', 'system'],
  methods: ['POST'],
  affectsState: true,
  // this server's own definition, based on HL7's: HL7's is for [base]/$closure only, this one answers at ConceptMap/$closure too
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-closure',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/ConceptMap-closure',
    description: 'Closure table maintenance (FHIR R4 ConceptMap/$closure, also at [base]/$closure; POST only): the server keeps a named closure table ' +
      'per client and answers the subsumption relations that the concepts added bring, as a ConceptMap whose version is the table\'s version. ' +
      'A call with the name only initialises the table (version 0, or empties an existing one). Each entry is an element (the narrower concept) ' +
      'with a target (the broader one) and equivalence subsumes (the target subsumes the source). Relations are those of one code system\'s hierarchy; ' +
      'a local (niveau-3) code\'s map to niveau 2 is a mapping, not subsumption, and is not in a closure table.',
    inputs: {
      name: 'The name that defines the particular context for the subsumption based closure table (1–100 letters, digits, ., _, :, -)',
      concept: 'Concepts to add to the closure table (system and code; a concept the server does not know makes the call an error, nothing is added)',
      version: 'A request to resynchronise: every entry added after this version (0: all entries) is answered, with those of this call',
    },
    requiredInputs: ['name'],
    outputs: [
      { name: 'return', type: 'ConceptMap', min: 1, documentation: 'The new entries (code/system → code/system) the client adds to its closure table; equivalence subsumes' },
    ],
  },
  async handle(input, ctx) {
    return closure(input, ctx);
  },
};
