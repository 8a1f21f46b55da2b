import { CommitGate } from '../../src/store/commit-gate';
import type { TerminologyStore } from '../../src/store/store';
import type { StoreFactory } from './store-contract';

const S = 'http://example.org/cs';
const c = (code: string) => ({ system: S, code });

/** The closure-table behaviour every store must have (part of the store contract). */
export function describeClosureContract(factory: StoreFactory): void {
  describe('closure tables', () => {
    let store: TerminologyStore;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('a table starts at version 0 without concepts; an unknown name reads as undefined', async () => {
      expect(await store.readClosureTable('t')).toBeUndefined();
      expect(await store.initClosureTable('t', 10)).toBe('created');
      expect(await store.readClosureTable('t')).toEqual({ name: 't', version: 0, concepts: [], entries: 0 });
      expect(await store.closureEntriesSince('t', 0)).toEqual([]);
      expect(await store.closureEntriesSince('other', 0)).toEqual([]);
    });

    it('appends concepts and entries as the next version, and answers the entries after a version in order', async () => {
      await store.initClosureTable('t', 10);
      expect(await store.appendClosureTable('t', 0, [c('a'), c('b')], [{ source: c('b'), target: c('a') }])).toBe(1);
      expect(await store.appendClosureTable('t', 1, [c('x')], [])).toBe(2);
      expect(await store.appendClosureTable('t', 2, [c('c')], [{ source: c('c'), target: c('b') }, { source: c('c'), target: c('a') }])).toBe(3);
      const state = await store.readClosureTable('t');
      expect(state?.version).toBe(3);
      expect(state?.entries).toBe(3);
      expect(state?.concepts.map((x) => x.code).sort()).toEqual(['a', 'b', 'c', 'x']);
      expect(await store.closureEntriesSince('t', 0)).toEqual([
        { version: 1, source: c('b'), target: c('a') },
        { version: 3, source: c('c'), target: c('b') },
        { version: 3, source: c('c'), target: c('a') },
      ]);
      expect((await store.closureEntriesSince('t', 1)).map((e) => e.source.code + e.target.code)).toEqual(['cb', 'ca']);
      expect(await store.closureEntriesSince('t', 3)).toEqual([]);
    });

    it('refuses an append from a stale version, and one to a table never initialised, writing nothing', async () => {
      await store.initClosureTable('t', 10);
      expect(await store.appendClosureTable('t', 0, [c('a')], [])).toBe(1);
      expect(await store.appendClosureTable('t', 0, [c('b')], [{ source: c('b'), target: c('a') }])).toBeUndefined();
      expect(await store.appendClosureTable('none', 0, [c('b')], [])).toBeUndefined();
      expect(await store.readClosureTable('t')).toEqual({ name: 't', version: 1, concepts: [c('a')], entries: 0 });
      expect(await store.closureEntriesSince('t', 0)).toEqual([]);
      expect(await store.readClosureTable('none')).toBeUndefined();
    });

    it('with a commit gate, as a write: a change whose gate was abandoned (its request timed out) is refused (503) and changes nothing; a committed one closes the gate to abandoning', async () => {
      const abandoned = () => {
        const gate = new CommitGate();
        gate.abandon();
        return gate;
      };
      await expect(store.initClosureTable('t', 10, abandoned())).rejects.toMatchObject({ status: 503, code: 'timeout' });
      expect(await store.readClosureTable('t')).toBeUndefined();
      const gate = new CommitGate();
      expect(await store.initClosureTable('t', 10, gate)).toBe('created');
      expect(gate.abandon()).toBe(false);
      await expect(store.appendClosureTable('t', 0, [c('a'), c('b')], [{ source: c('b'), target: c('a') }], abandoned())).rejects.toMatchObject({ status: 503, code: 'timeout' });
      expect(await store.readClosureTable('t')).toEqual({ name: 't', version: 0, concepts: [], entries: 0 });
      expect(await store.appendClosureTable('t', 0, [c('a'), c('b')], [{ source: c('b'), target: c('a') }], new CommitGate())).toBe(1);
      await expect(store.initClosureTable('t', 10, abandoned())).rejects.toMatchObject({ status: 503, code: 'timeout' });
      expect(await store.readClosureTable('t')).toMatchObject({ version: 1, entries: 1 });
    });

    it('initialising an existing table empties it back to version 0; tables are kept apart', async () => {
      await store.initClosureTable('t', 10);
      await store.initClosureTable('u', 10);
      await store.appendClosureTable('t', 0, [c('a'), c('b')], [{ source: c('b'), target: c('a') }]);
      await store.appendClosureTable('u', 0, [c('a')], []);
      expect(await store.initClosureTable('t', 10)).toBe('reset');
      expect(await store.readClosureTable('t')).toEqual({ name: 't', version: 0, concepts: [], entries: 0 });
      expect(await store.closureEntriesSince('t', 0)).toEqual([]);
      expect(await store.readClosureTable('u')).toEqual({ name: 'u', version: 1, concepts: [c('a')], entries: 0 });
    });

    it('at the limit, a new table takes the place of the one used least recently (a read, an append or a reset is a use)', async () => {
      expect(await store.initClosureTable('a', 3)).toBe('created');
      expect(await store.initClosureTable('b', 3)).toBe('created');
      expect(await store.initClosureTable('c', 3)).toBe('created');
      await store.readClosureTable('a');
      expect(await store.initClosureTable('d', 3)).toBe('replaced');
      expect(await store.readClosureTable('b')).toBeUndefined();
      expect(await store.appendClosureTable('c', 0, [c('x')], [])).toBe(1);
      expect(await store.initClosureTable('e', 3)).toBe('replaced');
      expect(await store.readClosureTable('a')).toBeUndefined();
      expect(await store.initClosureTable('c', 3)).toBe('reset');
      expect(await store.initClosureTable('f', 3)).toBe('replaced');
      expect(await store.readClosureTable('d')).toBeUndefined();
      // what is left: c (reset, empty), e and f; an append to the one dropped is refused, writing nothing
      expect(await store.appendClosureTable('d', 0, [c('y')], [])).toBeUndefined();
      for (const name of ['c', 'e', 'f']) expect(await store.readClosureTable(name)).toMatchObject({ name, version: 0 });
      // a lower limit lets as many go as it takes
      expect(await store.initClosureTable('g', 2)).toBe('replaced');
      expect((await Promise.all(['c', 'e', 'f', 'g'].map((n) => store.readClosureTable(n)))).filter((t) => t !== undefined)).toHaveLength(2);
    });

    it('answers calls on one table at once: every read, and one of several appends from the same version (the others told to read again)', async () => {
      await store.initClosureTable('t', 10);
      const reads = await Promise.all(Array.from({ length: 8 }, () => store.readClosureTable('t')));
      expect(reads.every((r) => r?.version === 0)).toBe(true);
      const appended = await Promise.all(Array.from({ length: 4 }, (_, i) => store.appendClosureTable('t', 0, [c(`x${i}`)], [])));
      expect(appended.filter((v) => v === 1)).toHaveLength(1);
      expect(appended.filter((v) => v === undefined)).toHaveLength(3);
      const [a, b] = await Promise.all([store.readClosureTable('t'), store.readClosureTable('t')]);
      expect([a?.version, b?.version, a?.concepts.length]).toEqual([1, 1, 1]);
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps closure tables when reopened', async () => {
        await store.initClosureTable('kept', 10);
        await store.appendClosureTable('kept', 0, [c('a'), c('b')], [{ source: c('b'), target: c('a') }]);
        const again = await reopen(store);
        try {
          expect(await again.readClosureTable('kept')).toMatchObject({ version: 1 });
          expect(await again.closureEntriesSince('kept', 0)).toEqual([{ version: 1, source: c('b'), target: c('a') }]);
          expect(await again.appendClosureTable('kept', 1, [c('c')], [])).toBe(2);
        } finally {
          await again.close();
        }
      });
    }
  });
}
