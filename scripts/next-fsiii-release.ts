/**
 * Makes a synthetic next FSIII release as a FHIR package, to try versions side by side without KL's next release:
 *
 *   npm run -s build && node dist/scripts/next-fsiii-release.js [--out FILE.tgz] [--terminology DIR]
 *
 * From FSIII 20240530 (terminology/kl/CodeSystem-FSIII.json) it makes version 20250601 in which one code is retired
 * with a replacement, one is added, one has a changed display, one is moved to another parent and one is dropped;
 * the statuses of the 2024 simplification (terminology/supplements/CodeSystem-fsiii-status.json) are carried into
 * the release itself. The package is `kl.synthetic.fsiii#2025.6.1`. The changes are printed as JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import { writePackageTarball, type PackageManifest } from '../src/packages/package-writer';
import { parseCommandLine } from './command-line';

export const NEXT_FSIII_VERSION = '20250601';
export const NEXT_FSIII_PACKAGE: PackageManifest = {
  name: 'kl.synthetic.fsiii',
  version: '2025.6.1',
  description: 'Syntetisk næste udgave af FSIII (til afprøvning af versioner side om side)',
};
/** The code the release adds (a fixed UUID, as FSIII's codes are UUIDs). */
export const ADDED_CODE = '0f5e2d1c-7b3a-4c9e-8d6f-2a1b3c4d5e6f';

export interface ReleaseChanges {
  retired: string;
  replacement: string;
  added: string;
  addedUnder: string;
  redisplayed: { code: string; before: string; after: string };
  moved: { code: string; from: string; to: string };
  dropped: string;
}

interface Placed {
  concept: CodeSystemConcept;
  parent?: CodeSystemConcept;
}

function walk(concepts: CodeSystemConcept[], parent: CodeSystemConcept | undefined, out: Placed[]): Placed[] {
  for (const c of concepts) {
    out.push({ concept: c, parent });
    walk(c.concept ?? [], c, out);
  }
  return out;
}

/** The next release of `fsiii`, with the statuses of `statusSupplement` folded in; the input is not changed. */
export function nextFsiiiRelease(fsiii: CodeSystem, statusSupplement?: CodeSystem): { codeSystem: CodeSystem; changes: ReleaseChanges } {
  const cs = structuredClone(fsiii);
  const statusOf = new Map((statusSupplement?.concept ?? []).map((c) => [c.code, c.property ?? []]));
  const all = walk(cs.concept ?? [], undefined, []);
  for (const { concept } of all) {
    const props = statusOf.get(concept.code);
    if (props) concept.property = structuredClone(props);
  }
  // Active leaves under a parent, in the order of the code system: the changed codes are picked from them.
  const leaves = all.filter((p) => p.parent && !p.concept.concept?.length && !statusOf.has(p.concept.code));
  const pick = (i: number): Placed => leaves[i % leaves.length]!;
  const retired = pick(5);
  const replacement = leaves.find((p) => p.parent === retired.parent && p !== retired)!;
  const redisplayed = pick(10);
  const moved = pick(15);
  const dropped = pick(20);
  const addedUnder = pick(25).parent!;
  const newParent = (cs.concept ?? []).find((top) => top !== moved.parent && !walk(top.concept ?? [], top, []).some((p) => p.concept === moved.concept))!;

  retired.concept.property = [
    { code: 'status', valueCode: 'retired' },
    { code: 'replacedBy', valueCode: replacement.concept.code },
  ];
  const before = redisplayed.concept.display ?? '';
  redisplayed.concept.display = `${before} (ny betegnelse)`;
  moved.parent!.concept = moved.parent!.concept!.filter((c) => c !== moved.concept);
  newParent.concept = [...(newParent.concept ?? []), moved.concept];
  dropped.parent!.concept = dropped.parent!.concept!.filter((c) => c !== dropped.concept);
  addedUnder.concept = [...(addedUnder.concept ?? []), { code: ADDED_CODE, display: 'Syntetisk ny indsats', definition: 'Et begreb, som kun findes i den syntetiske udgave 20250601.' }];

  cs.version = NEXT_FSIII_VERSION;
  cs.date = '2025-06-01';
  cs.property = [
    { code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', description: 'active | retired | deprecated', type: 'code' },
    { code: 'replacedBy', uri: 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status#replacedBy', description: 'Den kode, der afløser begrebet', type: 'code' },
    { code: 'statusReason', uri: 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status#statusReason', description: 'Evidens for status', type: 'string' },
  ];
  cs.count = walk(cs.concept ?? [], undefined, []).length;
  return {
    codeSystem: cs,
    changes: {
      retired: retired.concept.code,
      replacement: replacement.concept.code,
      added: ADDED_CODE,
      addedUnder: addedUnder.code,
      redisplayed: { code: redisplayed.concept.code, before, after: redisplayed.concept.display },
      moved: { code: moved.concept.code, from: moved.parent!.code, to: newParent.code },
      dropped: dropped.concept.code,
    },
  };
}

/** The release from a terminology folder, and its package archive. */
export async function nextFsiiiPackage(terminologyDir: string): Promise<{ archive: Buffer; codeSystem: CodeSystem; changes: ReleaseChanges }> {
  const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(terminologyDir, rel), 'utf8')) as CodeSystem;
  const supplementFile = path.join(terminologyDir, 'supplements', 'CodeSystem-fsiii-status.json');
  const supplement = fs.existsSync(supplementFile) ? read('supplements/CodeSystem-fsiii-status.json') : undefined;
  const { codeSystem, changes } = nextFsiiiRelease(read('kl/CodeSystem-FSIII.json'), supplement);
  return { archive: await writePackageTarball(NEXT_FSIII_PACKAGE, [codeSystem]), codeSystem, changes };
}

async function main(): Promise<void> {
  const { values } = parseCommandLine({
    options: {
      out: { type: 'string', default: `${NEXT_FSIII_PACKAGE.name}-${NEXT_FSIII_PACKAGE.version}.tgz` },
      terminology: { type: 'string', default: path.join(__dirname, '..', '..', 'terminology') },
    },
  }, 'usage: node dist/scripts/next-fsiii-release.js [--out FILE.tgz] [--terminology DIR]');
  const { archive, changes } = await nextFsiiiPackage(values.terminology);
  fs.writeFileSync(values.out, archive);
  console.log(JSON.stringify({ package: `${NEXT_FSIII_PACKAGE.name}#${NEXT_FSIII_PACKAGE.version}`, file: values.out, changes }, null, 2));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
