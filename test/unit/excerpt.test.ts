import { excerpt } from '../../src/errors/excerpt';

describe('excerpt: a client value as a message quotes it', () => {
  it('keeps a value of up to 100 characters as it is', () => {
    expect(excerpt('abc')).toBe('abc');
    expect(excerpt('a'.repeat(100))).toBe('a'.repeat(100));
    expect(excerpt(undefined)).toBe('undefined');
  });

  it('cuts a longer one to its first 100 characters and an ellipsis (or fewer, when asked)', () => {
    expect(excerpt(`${'a'.repeat(100)}b`)).toBe(`${'a'.repeat(100)}…`);
    expect(excerpt('123456789012345678901', 20)).toBe('12345678901234567890…');
  });
});
