/**
 * The versioned dataset: the catalogs over time at the scale of the issue. The published catalogs of terminology/
 * plus the synthetic next FSIII release as a package (PACKAGES: two FSIII versions side by side), and for each of the
 * 98 municipalities a local catalog of 2,000 codes and its map to FSIII *written* in three versions (1.0.0, 2.0.0,
 * 3.0.0): 3.0.0 is current, the two before are in the store's history, addressable by url|version. The store is
 * written once, with the store's own API (not timed), into a template data folder that every server start copies, or
 * with `--store postgres` into a schema every server started on the dataset uses (bench/store-option.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nextFsiiiPackage } from '../scripts/next-fsiii-release';
import type { TerminologyResource } from '../src/terminology/resource-set';
import { KOMMUNEKODER, municipalResources, type MunicipalVersion, type ScaledDataset, type Target } from './dataset';
import type { BenchStore } from './store-option';

export const MUNICIPAL_VERSIONS: MunicipalVersion[] = [
  { version: '1.0.0', date: '2024-01-01' },
  { version: '2.0.0', date: '2025-01-01' },
  { version: '3.0.0', date: '2026-01-01' },
];

export async function createVersionedDataset(terminologyDir: string, targets: Target[], into: BenchStore, options: { municipalities?: number; codesPer?: number } = {}): Promise<ScaledDataset> {
  if (targets.length === 0) throw new Error('no FSIII interventions to map to');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-bench-versioned-'));
  const packageFile = path.join(dir, 'packages', 'kl.synthetic.fsiii.tgz');
  fs.mkdirSync(path.dirname(packageFile), { recursive: true });
  fs.writeFileSync(packageFile, (await nextFsiiiPackage(terminologyDir)).archive);
  const { store, finish } = await into.datasetStore(dir);
  const municipalities = [];
  try {
    for (const kode of KOMMUNEKODER.slice(0, options.municipalities ?? KOMMUNEKODER.length)) {
      // one write per version, as a municipality publishing a revised catalog with its map
      for (const v of MUNICIPAL_VERSIONS) {
        const { cs, cm, municipality } = municipalResources(kode, options.codesPer ?? 2000, targets, v);
        await store.apply([
          { kind: 'update', resource: cs as unknown as TerminologyResource },
          { kind: 'update', resource: cm as unknown as TerminologyResource },
        ]);
        if (v === MUNICIPAL_VERSIONS[MUNICIPAL_VERSIONS.length - 1]) municipalities.push(municipality);
      }
    }
  } finally {
    await store.close();
  }
  const { env, dataTemplate, bytes } = await finish();
  return {
    dir: terminologyDir, dataTemplate, env: { ...env, PACKAGES: packageFile }, municipalities, bytes,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
