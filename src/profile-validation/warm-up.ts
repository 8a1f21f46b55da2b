import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SUBMISSION_TYPES } from '../fhir/schema-precompiled';
import type { TerminologyRegistry } from '../terminology/registry';
import { BindingChecker } from './binding-checker';
import type { ElementNode } from './profile-registry';
import type { SubmissionValidation } from './index';

function bindingsOf(node: ElementNode, out: { id: string; binding: NonNullable<ElementNode['binding']> }[]): void {
  if (node.binding) out.push({ id: node.id, binding: node.binding });
  for (const c of [...node.children, ...node.slices]) bindingsOf(c, out);
}

/**
 * Loads what the first $validate would otherwise load while a client waits: the schema of every resource type of
 * KL's delivery reports, each profile's element tree and invariants (and with them the R4 model and the FHIRPath
 * engine), and the value sets the profiles bind. One step per turn of the event loop, so requests are served in
 * between.
 */
export async function warmUpValidation(validation: SubmissionValidation, registry: TerminologyRegistry): Promise<{ profiles: number; valueSets: number }> {
  const bindings = new BindingChecker(registry);
  const valueSets = new Set<string>();
  const profiles = validation.profiles.list();
  for (const resourceType of SUBMISSION_TYPES) {
    await nextTurn();
    validation.schema.validate({ resourceType });
  }
  for (const profile of profiles) {
    await nextTurn();
    // a resource that claims the profile and holds nothing: every check of the profile runs once
    await validation.validator.validate({ resource: { resourceType: profile.type, meta: { profile: [profile.url] } }, registry });
    const found: { id: string; binding: NonNullable<ElementNode['binding']> }[] = [];
    bindingsOf(profile.root, found);
    for (const { id, binding } of found) {
      if (valueSets.has(binding.valueSet)) continue;
      valueSets.add(binding.valueSet);
      // a code of the value set's first code system: the value set is evaluated and the code system opened
      const system = registry.findCanonical('ValueSet', binding.valueSet)?.compose?.include?.find((i) => i.system)?.system;
      if (system) bindings.check({ system, code: '-' }, 'Coding', id, binding, id);
    }
  }
  return { profiles: profiles.length, valueSets: valueSets.size };
}

/** Whether the $validate profile stack is loaded: at start in the background, or on the first $validate. */
export type WarmUpState = 'on first use' | 'loading' | 'loaded' | 'failed';

/** The background load of the validation stack (warmUpValidation), started once; /ready waits for it. */
export class ValidationWarmUp {
  state: WarmUpState = 'on first use';
  private running?: Promise<void>;

  constructor(private readonly validation: SubmissionValidation, private readonly registry: TerminologyRegistry, private readonly logger: Logger) {}

  start(): Promise<void> {
    this.running ??= (async () => {
      this.state = 'loading';
      const started = performance.now();
      try {
        const { profiles, valueSets } = await warmUpValidation(this.validation, this.registry);
        this.state = 'loaded';
        this.logger.info({ profiles, valueSets, ms: Math.round(performance.now() - started) }, 'validation profiles loaded');
      } catch (e) {
        // not fatal: each $validate still loads what it needs, and reports a broken profile there
        this.state = 'failed';
        this.logger.error({ err: e }, 'loading the validation profiles failed');
      }
    })();
    return this.running;
  }

  /** The load under way, if one was started. */
  loading(): Promise<void> | undefined {
    return this.running;
  }
}
