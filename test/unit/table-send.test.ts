import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { parse } from 'csv-parse/sync';
import { sendTable } from '../../src/http/pipeline/table-send';
import { atScale } from '../support/scale';

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
  writableNeedDrain = false;
  write(chunk: string): boolean {
    this.headersSent = true;
    this.writes.push(chunk);
    this.writableNeedDrain = true;
    return false;
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'drain') this.writableNeedDrain = false;
    return super.emit(event, ...args);
  }
  end(chunk: string): void {
    this.writes.push(chunk);
    this.ended = true;
  }
}

describe('sendTable', () => {
  it('takes rows only as the connection takes the bytes, in pieces of about 64 KB', async () => {
    // ~70 bytes a row: over 15 pieces, 60 at full size
    const count = atScale(15_000, 60_000);
    const res = new SlowResponse();
    let produced = 0;
    function* rows() {
      for (let i = 0; i < count; i++) {
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
    expect(drains).toBeGreaterThan(count / 1500);
    expect(Math.max(...res.writes.map((w) => w.length))).toBeLessThan(70 * 1024);
    const table = parse(res.writes.join(''), { columns: true }) as Record<string, string>[];
    expect(table).toHaveLength(count);
    expect(table[5]).toEqual({ a: 'kommune-5', b: 'code-5', c: 'Et navn, med komma og "anførselstegn"', d: '5' });
  });

  it('takes a turn of the event loop between pieces also when the connection takes every piece at once (a fast client, its drain on the next tick)', async () => {
    // as node:http does when the kernel takes each piece at once: more than the buffer's mark, so write() says to
    // wait, and the 'drain' comes on the next tick, without a turn of the event loop
    const res = new SlowResponse();
    res.write = (chunk: string): boolean => {
      res.headersSent = true;
      res.writes.push(chunk);
      res.writableNeedDrain = true;
      process.nextTick(() => res.emit('drain'));
      return false;
    };
    // ~30 bytes a row: over 6 pieces, 25 at full size
    const count = atScale(15_000, 60_000);
    function* rows() {
      for (let i = 0; i < count; i++) yield [`kommune-${i % 98}`, `code-${i}`, 'Et navn', i];
    }
    // what else the server has to do: counted each turn while the table is written
    let turns = 0;
    let writing = true;
    const others = (async () => {
      while (writing) {
        turns++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    await sendTable(res as unknown as ServerResponse, { columns: ['a', 'b', 'c', 'd'], rows: rows() }, 'csv');
    writing = false;
    await others;
    expect(res.writes.length).toBeGreaterThan(count / 3000);
    expect(turns).toBeGreaterThanOrEqual(res.writes.length - 1);
    expect((parse(res.writes.join(''), { columns: true }) as unknown[]).length).toBe(count);
  });

  it('gives a text cell a spreadsheet would take for a formula a leading \' in CSV, not a number, and not in NDJSON', async () => {
    const row = ['=1+2', '+1', '-1', '@SUM(A1)', '\tfane', '\rlinje', -3, 0, 'a=b', ''];
    const columns = ['=a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const csv = new SlowResponse();
    await sendTable(csv as unknown as ServerResponse, { columns, rows: [row] }, 'csv');
    expect(csv.writes.join('')).toBe(`'=a,b,c,d,e,f,g,h,i,j\n'=1+2,'+1,'-1,'@SUM(A1),'\tfane,"'\rlinje",-3,0,a=b,\n`);
    const nd = new SlowResponse();
    await sendTable(nd as unknown as ServerResponse, { columns, rows: [row] }, 'ndjson');
    expect(JSON.parse(nd.writes.join(''))).toEqual({ '=a': '=1+2', b: '+1', c: '-1', d: '@SUM(A1)', e: '\tfane', f: '\rlinje', g: -3, h: 0, i: 'a=b' });
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
