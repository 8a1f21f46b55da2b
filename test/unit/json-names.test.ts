import { firstRepeatedName } from '../../src/fhir/json-scan';

const repeated = (text: string) => firstRepeatedName(Buffer.from(text, 'utf8'));

describe('firstRepeatedName: a property name an object gives twice (FHIR JSON: names SHALL be unique)', () => {
  it('finds none where every object names each property once, the same names in other objects and levels', () => {
    for (const text of [
      '{}', '[]', '{"a":{}}', '[[],{}]', '{"a":1,"b":{"a":2,"b":[{"a":3},{"a":4}]}}', '{"a":"a","b":"a","c":["a","a"]}',
      '{"a":"}{\\"\\\\","b":"[,:"}', '{"resourceType":"Parameters","parameter":[{"name":"x","valueString":"y"},{"name":"x","valueString":"y"}]}',
      '{"A":1,"a":2}', '{"æ":1,"ae":2}',
    ]) expect({ text, found: repeated(text) }).toEqual({ text, found: undefined });
  });

  it('names the property and the object holding it twice, at the top and inside objects and arrays', () => {
    expect(repeated('{"status":"active","status":"retired"}')).toEqual({ name: 'status', at: '$' });
    expect(repeated('{"concept":[{"code":"x"},{"code":"y","display":"d","code":"z"}]}')).toEqual({ name: 'code', at: '$.concept[1]' });
    expect(repeated('{"a":[[1],[2,{"b":{"c":1,"c":2}}]]}')).toEqual({ name: 'c', at: '$.a[1][1].b' });
    expect(repeated('{"concept":[{"code":"x"}],"concept":[{"code":"y"}]}')).toEqual({ name: 'concept', at: '$' });
    expect(repeated(' {\n "æble" : 1 ,\n "æble" : 2 }')).toEqual({ name: 'æble', at: '$' });
  });

  it('reads names with escapes as JSON does: "st\\u0061tus" is status', () => {
    expect(repeated('{"status":1,"st\\u0061tus":2}')).toEqual({ name: 'status', at: '$' });
    expect(repeated('{"a\\"b":1,"a\\u0022b":2}')).toEqual({ name: 'a"b', at: '$' });
    expect(repeated('{"a\\\\":1,"a\\\\\\\\":2}')).toBeUndefined();
  });

  it('finds the name a large object gives twice, and passes 100,000 distinct ones', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `"n${i}":${i}`);
    expect(repeated(`{${[...names(500), '"n250":0'].join(',')}}`)).toEqual({ name: 'n250', at: '$' });
    expect(repeated(`{"x":{${[...names(20), '"n3":0'].join(',')}}}`)).toEqual({ name: 'n3', at: '$.x' });
    expect(repeated(`{${names(100_000).join(',')}}`)).toBeUndefined();
  });

  it('agrees with JSON.parse on generated documents: none in what JSON.stringify writes, the one a copied member adds', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const value = (depth: number): unknown => {
      const kind = depth > 3 ? random(3) : random(5);
      if (kind === 0) return random(1000);
      if (kind === 1) return ['x', '"', '{', '\\', 'æø', ''][random(6)];
      if (kind === 2) return random(2) === 0;
      if (kind === 3) return Array.from({ length: random(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: random(5) }, (_, i) => [`k${i}${['', '"', '\\'][random(3)]}`, value(depth + 1)]));
    };
    for (let n = 0; n < 300; n++) {
      const doc = { resourceType: 'X', body: value(0) };
      const text = JSON.stringify(doc);
      expect(repeated(text)).toBeUndefined();
      // a copy of the first member of the document, as its last member
      const first = text.slice(1, text.indexOf(',"body"'));
      const twice = `${text.slice(0, -1)},${first}}`;
      expect(JSON.parse(twice)).toEqual(doc);
      expect(repeated(twice)).toEqual({ name: 'resourceType', at: '$' });
    }
  });

  it('looks only between start and end', () => {
    const b = Buffer.from('{"a":1,"a":2} {"b":{"c":1,"c":2}}');
    expect(firstRepeatedName(b, 14)).toEqual({ name: 'c', at: '$.b' });
    expect(firstRepeatedName(b, 0, 6)).toBeUndefined();
  });
});
