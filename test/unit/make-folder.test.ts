import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimDataDir } from '../../src/store/data-dir-lock';
import { makeFolder } from '../../src/store/make-folder';
import { SqliteStore } from '../../src/store/sqlite-store';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-folders-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('makeFolder', () => {
  it('makes the folder and those above it that are missing, and leaves one that is there (and what it holds) as it is', () => {
    const dir = path.join(root, 'a', 'b', 'c');
    makeFolder(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    fs.writeFileSync(path.join(dir, 'kept'), 'x');
    makeFolder(dir);
    makeFolder(path.relative(process.cwd(), dir));
    expect(fs.readdirSync(dir)).toEqual(['kept']);
  });

  it('says what is in the way, as mkdir does: a file where a folder would be, a link to nothing', () => {
    const file = path.join(root, 'file');
    fs.writeFileSync(file, 'x');
    expect(() => makeFolder(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeFolder(path.join(file, 'data'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    const link = path.join(root, 'link');
    fs.symlinkSync(path.join(root, 'nowhere'), link);
    expect(() => makeFolder(path.join(link, 'data'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('says ENOENT under a folder that holds no new folders (/proc), where mkdir with `recursive` loops for ever: the store does not open', () => {
    expect(fs.existsSync('/proc/self')).toBe(process.platform === 'linux');
    if (process.platform !== 'linux') return;
    const dir = `/proc/faelles-tx-${process.pid}/data`;
    expect(() => makeFolder(dir)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => claimDataDir(dir)).toThrow(/ENOENT/);
    expect(() => SqliteStore.open(dir)).toThrow(/ENOENT/);
  });
});
