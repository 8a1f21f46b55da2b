// Copy the source material byte-for-byte into terminology/kl and terminology/seeds.
//
//   node terminology/build/copy-sources.mjs [<kl-term dir>] [<seeds dir>]
//
// Defaults: /work/shared/reference/kl-term and /work/shared/seeds (override with the
// arguments or with KL_TERM_DIR / SEEDS_SRC_DIR). Only *.json files (recursively, keeping
// the folder structure) plus README.md (renamed SOURCE-README.md) and GATEWAY-RULES.md
// are taken from kl-term; every file is taken from the seeds folder.
import fs from 'node:fs';
import path from 'node:path';
import { KL_DIR, SEEDS_DIR } from './lib.mjs';

const klSrc = process.argv[2] || process.env.KL_TERM_DIR || '/work/shared/reference/kl-term';
const seedSrc = process.argv[3] || process.env.SEEDS_SRC_DIR || '/work/shared/seeds';

function copyFile(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, fs.readFileSync(from)); // raw bytes
  fs.chmodSync(to, 0o644);
}

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

let n = 0;
for (const rel of walk(klSrc)) {
  if (rel.endsWith('.json')) {
    copyFile(path.join(klSrc, rel), path.join(KL_DIR, rel));
    n++;
  }
}
copyFile(path.join(klSrc, 'README.md'), path.join(KL_DIR, 'SOURCE-README.md'));
copyFile(path.join(klSrc, 'GATEWAY-RULES.md'), path.join(KL_DIR, 'GATEWAY-RULES.md'));
n += 2;
let m = 0;
for (const rel of walk(seedSrc)) {
  copyFile(path.join(seedSrc, rel), path.join(SEEDS_DIR, rel));
  m++;
}
console.log(`copied ${n} files to ${KL_DIR} and ${m} files to ${SEEDS_DIR}`);
