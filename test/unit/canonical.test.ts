import { canonical, compareVersions, parseCanonical } from '../../src/terminology/canonical';
import { versionMatches } from '../../src/terminology/versions';

describe('parseCanonical / canonical', () => {
  it('splits url|version, and treats an empty version as none', () => {
    expect(parseCanonical('http://x/vs|1.0.0')).toEqual({ url: 'http://x/vs', version: '1.0.0' });
    expect(parseCanonical('http://x/vs')).toEqual({ url: 'http://x/vs' });
    expect(parseCanonical('http://x/vs|')).toEqual({ url: 'http://x/vs', version: undefined });
    expect(parseCanonical('urn:oid:1.2.208.176.2.21|20240530')).toEqual({ url: 'urn:oid:1.2.208.176.2.21', version: '20240530' });
  });

  it('joins them back', () => {
    expect(canonical('http://x/vs', '2.3.0')).toBe('http://x/vs|2.3.0');
    expect(canonical('http://x/vs')).toBe('http://x/vs');
  });
});

describe('compareVersions', () => {
  const sign = (n: number) => Math.sign(n);

  it('compares dotted numbers numerically, part by part', () => {
    expect(sign(compareVersions('1.2.10', '1.2.9'))).toBe(1);
    expect(sign(compareVersions('2.10.0', '2.3.0'))).toBe(1);
    expect(sign(compareVersions('2.1.0', '2.3.0'))).toBe(-1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
  });

  it('orders date-like versions (KL\'s code systems)', () => {
    expect(sign(compareVersions('20250530', '20240530'))).toBe(1);
    expect(sign(compareVersions('20240530', '20250530'))).toBe(-1);
  });

  it('puts a shorter version before its extensions, and no version before any', () => {
    expect(sign(compareVersions('1.0', '1.0.1'))).toBe(-1);
    expect(sign(compareVersions('1.0.1', '1.0'))).toBe(1);
    expect(sign(compareVersions(undefined, '0.0.1'))).toBe(-1);
    expect(sign(compareVersions('0.0.1', undefined))).toBe(1);
    expect(compareVersions(undefined, undefined)).toBe(0);
  });

  it('orders non-numeric parts as text', () => {
    expect(sign(compareVersions('1.0.0-alpha', '1.0.0-beta'))).toBe(-1);
  });

  it('sorts a list oldest first', () => {
    expect(['2.3.0', '1.10.0', '1.2.0', '2.1.0', '1.2'].sort(compareVersions)).toEqual(['1.2', '1.2.0', '1.10.0', '2.1.0', '2.3.0']);
  });

  it('is antisymmetric', () => {
    const versions = ['1', '1.0', '1.0.0', '1.2', '2.0.0', '20240530', 'a', '1.0.0-beta'];
    for (const a of versions) {
      for (const b of versions) expect([a, b, sign(compareVersions(a, b)) === -sign(compareVersions(b, a))]).toEqual([a, b, true]);
    }
  });
});

describe('versionMatches', () => {
  it('matches the exact version', () => {
    expect(versionMatches('2.3.0', '2.3.0')).toBe(true);
    expect(versionMatches('2.3.0', '2.3.1')).toBe(false);
  });

  it('matches x and * wildcards part by part', () => {
    expect(versionMatches('2.x', '2.3')).toBe(true);
    expect(versionMatches('2.x', '2.3.0')).toBe(true);
    expect(versionMatches('2.*.0', '2.3.0')).toBe(true);
    expect(versionMatches('2.X.1', '2.3.0')).toBe(false);
    expect(versionMatches('2.x', '3.0.0')).toBe(false);
    expect(versionMatches('1.2.x.x', '1.2')).toBe(false);
  });

  it('matches a semantic version by its leading parts (1.0 → 1.0.2), never across a part', () => {
    expect(versionMatches('1.0', '1.0.2')).toBe(true);
    expect(versionMatches('1.0', '1.0.0')).toBe(true);
    expect(versionMatches('1.0', '1.01.0')).toBe(false);
    expect(versionMatches('1.0', '1.1.0')).toBe(false);
    expect(versionMatches('1.0.2', '1.0')).toBe(false);
  });

  it('matches integers exactly and dates by prefix', () => {
    expect(versionMatches('2', '20240530')).toBe(false);
    expect(versionMatches('2024-05', '2024-05-30')).toBe(true);
  });

  it('treats an empty requested version (url| with nothing after the bar) as no match rule', () => {
    expect(versionMatches('', '1.0.0')).toBe(false);
  });

  it('never matches a resource without a version', () => {
    expect(versionMatches('1.0.0', undefined)).toBe(false);
    expect(versionMatches('x', undefined)).toBe(false);
  });
});
