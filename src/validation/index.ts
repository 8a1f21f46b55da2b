import path from 'node:path';
import { projectRoot } from '../config';
import { sharedFhirSchemaValidator, type FhirSchemaValidator } from '../fhir/schema-validator';
import { evaluateValueSet } from '../terminology/expansion-cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { runInvariant } from './invariant-evaluator';
import { loadProfiles, ProfileLoadError, type ElementNode, type ProfileRegistry } from './profile-registry';
import { SubmissionValidator } from './validator';

export { ProfileLoadError };

export interface SubmissionValidation {
  profiles: ProfileRegistry;
  validator: SubmissionValidator;
  schema: FhirSchemaValidator;
}

function nodesOf(node: ElementNode): ElementNode[] {
  return [node, ...node.children.flatMap(nodesOf), ...node.slices.flatMap(nodesOf)];
}

/**
 * Does the one-time work of the first validation ahead of it: compiles the schema of every profiled resource type
 * (and Bundle, Organization, Patient), evaluates every bound ValueSet and the ValueSets the invariants ask about,
 * and runs each invariant once. Run at start, before the server listens; never throws.
 */
export function warmUp(validation: SubmissionValidation, registry: TerminologyRegistry): void {
  try {
    warm(validation, registry);
  } catch {
    // warming up is an optimisation; whatever fails here is reported when a submission needs it
  }
}

function warm(validation: SubmissionValidation, registry: TerminologyRegistry): void {
  const types = new Set(['Bundle', 'Organization', 'Patient', ...validation.profiles.list().map((p) => p.type)]);
  for (const type of types) validation.schema.validate({ resourceType: type });
  const valueSets = new Set<string>();
  for (const profile of validation.profiles.list()) {
    for (const node of nodesOf(profile.root)) {
      if (node.binding) valueSets.add(node.binding.valueSet);
      for (const inv of node.invariants) {
        for (const m of inv.expression.matchAll(/memberOf\('([^']+)'\)/g)) valueSets.add(m[1]!);
        runInvariant(inv, { resourceType: profile.type }, registry);
      }
    }
  }
  for (const url of valueSets) {
    const vs = registry.findCanonical('ValueSet', url);
    if (vs) evaluateValueSet(registry, vs);
  }
}

/** The schema validator compiles each resource type once; it holds no request state, so one serves the process. */
let sharedSchema: FhirSchemaValidator | undefined;
const loaded = new Map<string, SubmissionValidation>();

export function defaultProfilesDir(): string {
  return path.join(projectRoot(), 'profiles');
}

/**
 * The profiles (loaded and checked once per folder and process) and the validator for submissions. Throws
 * ProfileLoadError when a profile is broken.
 */
export function submissionValidation(profilesDir: string = defaultProfilesDir()): SubmissionValidation {
  const dir = path.resolve(profilesDir);
  let hit = loaded.get(dir);
  if (!hit) {
    sharedSchema ??= sharedFhirSchemaValidator();
    const profiles = loadProfiles(dir, sharedSchema);
    hit = { profiles, validator: new SubmissionValidator(profiles, sharedSchema), schema: sharedSchema };
    loaded.set(dir, hit);
  }
  return hit;
}
