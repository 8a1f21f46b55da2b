import type { CodeSystem } from 'fhir/r4';
import type { CodeSystemProvider } from '../provider';
import { bcp13CodeSystem, Bcp13Provider } from './bcp13';
import { bcp47CodeSystem, Bcp47Provider } from './bcp47';
import { iso3166CodeSystem, Iso3166Provider } from './iso3166';
import { ucumCodeSystem, UcumProvider } from './ucum';

type ProviderFactory = (cs: CodeSystem, supplements: readonly CodeSystem[]) => CodeSystemProvider;

/**
 * Code systems backed by maintained libraries instead of CodeSystem files: UCUM (@lhncbc/ucum-lhc), BCP 47
 * language tags (bcp-47 and the IANA registry), ISO 3166-1 (iso-3166) and BCP 13 media types (Node's MIME type
 * parser, mime-db for the base list). Their resources resolve below the
 * catalogs like the FHIR core terminology; a library is loaded when its code system is first used.
 */
export class LibraryCodeSystems {
  private readonly factories = new WeakMap<CodeSystem, ProviderFactory>();
  readonly resources: CodeSystem[];

  constructor() {
    const systems: [CodeSystem, ProviderFactory][] = [
      [ucumCodeSystem(), (cs, s) => new UcumProvider(cs, s)],
      [bcp47CodeSystem(), (cs, s) => new Bcp47Provider(cs, s)],
      [iso3166CodeSystem(), (cs, s) => new Iso3166Provider(cs, s)],
      [bcp13CodeSystem(), (cs, s) => new Bcp13Provider(cs, s)],
    ];
    for (const [cs, factory] of systems) this.factories.set(cs, factory);
    this.resources = systems.map(([cs]) => cs);
  }

  /** The provider of one of these code systems (by the resource itself), or undefined for any other code system. */
  provider(cs: CodeSystem, supplements: readonly CodeSystem[]): CodeSystemProvider | undefined {
    return this.factories.get(cs)?.(cs, supplements);
  }
}
