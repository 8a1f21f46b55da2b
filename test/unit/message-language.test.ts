import { messageIssue, TRANSLATION_EXTENSION } from '../../src/errors/issue';
import { messageLanguage } from '../../src/errors/message-language';

describe('the language of the server’s messages', () => {
  it('is Danish only when the caller prefers Danish to English among the languages it asks for', () => {
    expect(messageLanguage('da')).toBe('da');
    expect(messageLanguage('da-DK,da;q=0.9,en;q=0.8')).toBe('da');
    expect(messageLanguage('en;q=0.5, da')).toBe('da');
    expect(messageLanguage(['DA-dk'])).toBe('da');
    expect(messageLanguage('en, da')).toBe('en');
    expect(messageLanguage('de')).toBe('en');
    expect(messageLanguage('nb, da;q=0.8, en;q=0.5')).toBe('da');
    expect(messageLanguage('de, en;q=0.9, da;q=0.8')).toBe('en');
    expect(messageLanguage('*')).toBe('en');
    expect(messageLanguage('da;q=0')).toBe('en');
    expect(messageLanguage(undefined)).toBe('en');
  });

  it('reads a weight written `Q=` as `q=` (RFC 9110: the literal is case-insensitive)', () => {
    expect(messageLanguage('en;Q=0, da;q=0.1')).toBe('da');
    expect(messageLanguage('en;Q=0.5, da')).toBe('da');
  });

  it('writes the Danish text with the English one as its translation, or the English text alone', () => {
    const expired = { severity: 'error', code: 'login', text: { en: 'The token has expired', da: 'Dit login er udløbet.' } } as const;
    expect(messageIssue(expired, 'da').details).toEqual({
      text: 'Dit login er udløbet.',
      _text: { extension: [{ url: TRANSLATION_EXTENSION, extension: [{ url: 'lang', valueCode: 'en' }, { url: 'content', valueString: 'The token has expired' }] }] },
    });
    expect(messageIssue(expired, 'en').details).toEqual({ text: 'The token has expired' });
    expect(messageIssue({ severity: 'error', code: 'login', text: 'Only English' }, 'da').details).toEqual({ text: 'Only English' });
  });
});
