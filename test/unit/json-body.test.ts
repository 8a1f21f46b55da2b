import { parseJsonBody } from '../../src/fhir/json-body';
import { BATCH, batch, entries, expectSameAsExpressJson } from '../support/json-body-oracle';

describe('parseJsonBody reads a body as express.json does', () => {
  const cases: [string, string | Buffer][] = [
    ['a batch', BATCH],
    ['a batch, pretty-printed', JSON.stringify(batch(entries), null, 2)],
    ['a batch with \\r\\n and tabs', JSON.stringify(batch(entries), null, '\t').replace(/\n/g, '\r\n')],
    ['a batch after a byte order mark', `\ufeff${BATCH}`],
    ['a batch with unicode escapes', BATCH.replace(/æ/g, '\\u00e6')],
    ['a batch of one entry', JSON.stringify(batch([entries[0]]))],
    ['Parameters without parameters', '{"resourceType":"Parameters","parameter":[]}'],
    ['Parameters with an empty parameter', '{"resourceType":"Parameters","parameter":[{}, {}]}'],
    ['Parameters with keys in another order', '{"parameter":[{"name":"a"}],"resourceType":"Parameters"}'],
    ['Parameters with an id', '{"resourceType":"Parameters","id":"x","parameter":[{"name":"a"}]}'],
    ['Parameters with a parameter that is not an object', '{"resourceType":"Parameters","parameter":[{"name":"a"},"x",null,1,[]]}'],
    ['Parameters with __proto__ in a parameter', '{"resourceType":"Parameters","parameter":[{"__proto__":{"x":1},"name":"a"},{"__proto__":{"x":1},"name":"a"}]}'],
    ['Parameters with an escaped key', '{"resource\\u0054ype":"Parameters","parameter":[{"name":"a"}]}'],
    ['a Bundle', '{"resourceType":"Bundle","type":"batch","entry":[]}'],
    ['an array', '[1,2,{"a":[]}]'],
    ['an empty body', ''],
    ['a byte order mark only', '\ufeff'],
    ['whitespace only', ' \n\t '],
    ['a string', '"Parameters"'],
    ['a number after whitespace', '  42'],
    ['null', 'null'],
    ['a trailing comma', '{"resourceType":"Parameters","parameter":[{"name":"a"},]}'],
    ['a missing comma', '{"resourceType":"Parameters","parameter":[{"name":"a"} {"name":"b"}]}'],
    ['crossed brackets', '{"resourceType":"Parameters","parameter":[{"name":[}],{"name":"b"}]}'],
    ['a repeated broken parameter', '{"resourceType":"Parameters","parameter":[{"name":01},{"name":01}]}'],
    ['an unterminated string', '{"resourceType":"Parameters","parameter":[{"name":"a}]}'],
    ['a raw control character in a string', '{"resourceType":"Parameters","parameter":[{"name":"a\u0001"}]}'],
    ['a bad escape', '{"resourceType":"Parameters","parameter":[{"name":"\\x41"}]}'],
    ['text after the body', '{"resourceType":"Parameters","parameter":[{"name":"a"}]} x'],
    ['a second value after the body', '{"resourceType":"Parameters","parameter":[]}{}'],
    ['a truncated batch', BATCH.slice(0, BATCH.length - 3)],
    ['a batch cut in a parameter', BATCH.slice(0, 500)],
    ['invalid UTF-8 in a parameter', Buffer.concat([Buffer.from('{"resourceType":"Parameters","parameter":[{"name":"a\xff\xc3'), Buffer.from([0xff, 0xe2, 0x82]), Buffer.from('"},{"name":"b"}]}')])],
  ];

  it.each(cases)('%s', async (_name, body) => {
    await expectSameAsExpressJson(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  });

  it('refuses a name an object gives twice (FHIR JSON), where express.json keeps the last value: at the top and in a parameter', () => {
    const refusal = (body: string) => {
      try {
        parseJsonBody(Buffer.from(body, 'utf8'));
      } catch (e) {
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(refusal('{"resourceType":"Parameters","parameter":[{"name":"a"}],"parameter":[]}')).toMatch(/the object at Parameters has the property 'parameter' twice/);
    expect(refusal('{"resourceType":"Parameters","parameter":[{"name":"a"},{"name":"b","valueCode":"x","name":"c"}]}')).toMatch(/the object at Parameters\.parameter\[1\] has the property 'name' twice/);
    expect(refusal('{"resourceType":"Bundle","type":"batch","type":"transaction"}')).toMatch(/the object at Bundle has the property 'type' twice/);
  });

  it('parses each distinct parameter once: identical ones are one object', () => {
    const { value } = parseJsonBody(Buffer.from(BATCH, 'utf8')) as { value: { parameter: unknown[] } };
    const parameters = value.parameter;
    expect(parameters).toHaveLength(entries.length + 1);
    const first = new Map<string, unknown>();
    for (const p of parameters) {
      const text = JSON.stringify(p);
      if (!first.has(text)) first.set(text, p);
      expect(p).toBe(first.get(text));
    }
    expect(first.size).toBeLessThan(parameters.length);
  });

  it('stays linear when many distinct parameters share the end of their text', () => {
    // parameters that differ only at the start land on one hash: they are compared with a few, then parsed apiece
    const many = Array.from({ length: 3000 }, (_, i) => ({ name: `n${i}`, valueString: 'x'.repeat(60) }));
    const text = JSON.stringify({ resourceType: 'Parameters', parameter: [...many, ...many] });
    const { value } = parseJsonBody(Buffer.from(text, 'utf8'));
    expect(value).toEqual(JSON.parse(text));
  });
});
