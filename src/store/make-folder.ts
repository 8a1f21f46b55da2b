import fs from 'node:fs';
import path from 'node:path';

/**
 * Makes a folder and those above it that are missing, one level at a time, as `fs.mkdirSync(dir, { recursive: true })`
 * does. Node's own (20) loops for ever where a folder cannot be made although the one above it is there and says so
 * with ENOENT — under /proc, which holds no new folders —, so a server given such a DATA_DIR hung at start without a
 * word, where it should exit naming the folder.
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  // what is there now is a folder (Node's own answer, EEXIST, for a file of that name)
  fs.mkdirSync(dir, { recursive: true });
}
