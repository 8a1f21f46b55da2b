import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { parse } from 'csv-parse/sync';
import { sendTable } from '../../src/http/pipeline/table-send';

/** A response whose connection takes one write and then wants a 'drain', as a slow client's does. */
class SlowResponse extends EventEmitter {
  statusCode = 0;
  headersSent = false;
  destroyed = false;
  readonly headers = new Map<string, string>();
  readonly writes: string[] = [];
  ended = false;
  setHeader(name: string, value: string): void {
    this.headers.set(name.toLowerCase(), value);
  }
  write(chunk: string): boolean {
    this.headersSent = true;
    this.writes.push(chunk);
    return false;
  }
  end(chunk: string): void {
    this.writes.push(chunk);
    this.ended = true;
  }
}

describe('sendTable', () => {
  it('takes rows only as the connection takes the bytes, in pieces of about 64 KB', async () => {
    const res = new SlowResponse();
    let produced = 0;
    function* rows() {
      for (let i = 0; i < 60_000; i++) {
        produced++;
        yield [`kommune-${i % 98}`, `code-${i}`, 'Et navn, med komma og "anførselstegn"', i];
      }
    }
    const done = sendTable(res as unknown as ServerResponse, { columns: ['a', 'b', 'c', 'd'], rows: rows() }, 'csv');
    await new Promise((r) => setImmediate(r));
    // one piece written, the rest waits for the client
    expect(res.writes).toHaveLength(1);
    expect(produced).toBeLessThan(2000);
    let drains = 0;
    while (!res.ended) {
      drains++;
      res.emit('drain');
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(drains).toBeGreaterThan(40);
    expect(Math.max(...res.writes.map((w) => w.length))).toBeLessThan(70 * 1024);
    const table = parse(res.writes.join(''), { columns: true }) as Record<string, string>[];
    expect(table).toHaveLength(60_000);
    expect(table[5]).toEqual({ a: 'kommune-5', b: 'code-5', c: 'Et navn, med komma og "anførselstegn"', d: '5' });
  });

  it('stops taking rows when the client goes away', async () => {
    const res = new SlowResponse();
    let produced = 0;
    function* rows() {
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        yield [String(i)];
      }
    }
    const done = sendTable(res as unknown as ServerResponse, { columns: ['n'], rows: rows() }, 'ndjson');
    await new Promise((r) => setImmediate(r));
    res.destroyed = true;
    res.emit('close');
    await done;
    expect(res.ended).toBe(false);
    expect(produced).toBeLessThan(20_000);
  });
});
