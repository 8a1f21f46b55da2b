import type { CodeableConcept, Coding, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { listOf } from '../../fhir/json-object';
import type { OperationInput } from '../../fhir/parameters';
import { checkKommunekodeParam } from '../gateway-codings';

/** What a $translate request asks, read from its parameters in any of their R4 and R5 forms. */

export type Direction = 'forward' | 'reverse';

export interface TranslateQuery {
  direction: Direction;
  /** R5-shaped reverse (targetCode…): concept = the given target, source = the answer. */
  r5Reverse: boolean;
  codings: Coding[];
  /** The system the answers must be in (targetsystem; under reverse, the source side's system). */
  answerSystem?: string;
  givenScope?: string;
  answerScope?: string;
  kommunekode?: string;
  /** R4 `dependency`: what the request states of other elements (a target's dependsOn must agree). */
  dependencies: Dependency[];
}

export interface Dependency {
  element: string;
  codings: Coding[];
}

function codingOf(system: string | undefined, code: string | undefined, version?: string): Coding[] {
  if (code === undefined) return [];
  if (!system) throw FhirError.invalid(`A code needs its system: give 'system' (or use 'coding')`, { expression: ['system'], da: "En kode skal have sit kodesystem: giv 'system' (eller brug 'coding')" });
  return [{ system, code, ...(version ? { version } : {}) }];
}

/** The codings of a CodeableConcept that can be translated: those with a system and a code (a coding of neither names nothing to look up). */
function codingsOfConcept(cc: CodeableConcept, name: string): Coding[] {
  const codings = listOf(cc.coding).filter((c) => c && typeof c.code === 'string' && c.code.length > 0 && typeof c.system === 'string' && c.system.length > 0);
  if (codings.length === 0) {
    throw FhirError.invalid(`${name} has no coding with a system and a code`, { expression: [name], da: `${name} har ingen kodning med både kodesystem (system) og kode` });
  }
  return codings;
}

function dependenciesOf(input: OperationInput): Dependency[] {
  return input.all<ParametersParameter>('dependency').flatMap((p) => {
    const parts = listOf(p.part);
    const element = parts.find((x) => x.name === 'element')?.valueUri;
    const concept = parts.find((x) => x.name === 'concept')?.valueCodeableConcept;
    const codings = listOf(concept?.coding).filter((c) => typeof c?.code === 'string');
    // an element given without a value states nothing another value could contradict
    if (!element || codings.length === 0) return [];
    return [{ element, codings }];
  });
}

export function readQuery(input: OperationInput): TranslateQuery {
  const givenForms = ['code', 'coding', 'codeableConcept', 'sourceCode', 'sourceCoding', 'sourceCodeableConcept', 'targetCode', 'targetCoding',
    'targetCodeableConcept'].filter((n) => input.has(n));
  if (givenForms.length === 0) {
    throw FhirError.invalid("Nothing to translate: give 'code' with 'system', 'coding' or 'codeableConcept' (or the R5 sourceCode/targetCode forms)", {
      expression: ['code'], da: "Intet at oversætte: giv 'code' med 'system', 'coding' eller 'codeableConcept' (eller R5-formerne sourceCode/targetCode)",
    });
  }
  if (givenForms.length > 1) throw FhirError.invalid(`Give only one of ${givenForms.join(', ')}`, { da: `Giv kun én af ${givenForms.join(', ')}` });
  const form = givenForms[0]!;
  const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
  const dependencies = dependenciesOf(input);
  const source = input.string('sourceScope') ?? input.string('source');
  const target = input.string('targetScope') ?? input.string('target');
  const r5Reverse = form.startsWith('target');
  const reverseFlag = input.boolean('reverse') === true;
  if (r5Reverse && reverseFlag) {
    throw FhirError.invalid("'reverse' cannot be combined with targetCode, targetCoding or targetCodeableConcept", {
      da: "'reverse' kan ikke bruges sammen med targetCode, targetCoding eller targetCodeableConcept",
    });
  }

  let codings: Coding[];
  switch (form) {
    case 'code':
      codings = codingOf(input.string('system'), input.string('code'), input.string('version'));
      break;
    case 'sourceCode':
      codings = codingOf(input.string('sourceSystem') ?? input.string('system'), input.string('sourceCode'), input.string('sourceVersion') ?? input.string('version'));
      break;
    case 'targetCode':
      codings = codingOf(input.string('targetSystem') ?? input.string('targetsystem'), input.string('targetCode'), input.string('targetVersion'));
      break;
    case 'coding':
    case 'sourceCoding':
    case 'targetCoding': {
      const c = input.one<Coding>(form)!;
      if (typeof c.code !== 'string' || !c.code) throw FhirError.invalid(`${form} has no code`, { expression: [form], da: `${form} har ingen kode` });
      if (typeof c.system !== 'string' || !c.system) throw FhirError.invalid(`${form} has no system`, { expression: [form], da: `${form} har intet kodesystem (system)` });
      codings = [c];
      break;
    }
    default:
      codings = codingsOfConcept(input.one<CodeableConcept>(form)!, form);
  }

  if (r5Reverse) {
    return {
      direction: 'reverse', r5Reverse: true, codings, kommunekode, dependencies,
      answerSystem: input.string('sourceSystem') ?? input.string('system'),
      givenScope: target, answerScope: source,
    };
  }
  const answerSystem = input.string('targetSystem') ?? input.string('targetsystem');
  if (reverseFlag) {
    // R4: "reverses the meaning of the source and target parameters"; targetsystem names the system of the answers.
    return { direction: 'reverse', r5Reverse: false, codings, kommunekode, dependencies, answerSystem, givenScope: target, answerScope: source };
  }
  return { direction: 'forward', r5Reverse: false, codings, kommunekode, dependencies, answerSystem, givenScope: source, answerScope: target };
}
