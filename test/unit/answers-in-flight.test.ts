import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { AnswersInFlight, COUNTED_FROM_BYTES, mayBeLarge } from '../../src/http/pipeline/answers-in-flight';

const MB = 1024 * 1024;
const response = () => new EventEmitter() as unknown as ServerResponse;

describe('AnswersInFlight', () => {
  it('takes large answers up to its budget, each until its response closes; small ones are not counted', () => {
    const budget = new AnswersInFlight(10 * MB);
    const a = response();
    expect(budget.take(a, 6 * MB)).toBe(true);
    expect(budget.take(response(), 5 * MB)).toBe(false);
    expect(budget.bytes).toBe(6 * MB);
    expect(budget.take(response(), COUNTED_FROM_BYTES - 1)).toBe(true);
    expect(budget.bytes).toBe(6 * MB);
    expect(budget.hasRoomFor(4 * MB)).toBe(true);
    expect(budget.hasRoomFor(5 * MB)).toBe(false);
    (a as unknown as EventEmitter).emit('close');
    expect(budget.bytes).toBe(0);
    expect(budget.take(response(), 10 * MB)).toBe(true);
  });

  it('measures a text only when it may be large: at most three bytes a character', () => {
    expect(mayBeLarge({ text: 'x'.repeat(1000), byteLength: 1000 })).toBe(false);
    expect(mayBeLarge({ text: 'x'.repeat(Math.ceil(COUNTED_FROM_BYTES / 3)), byteLength: 0 })).toBe(true);
    expect(mayBeLarge({ byteLength: 10 })).toBe(true);
  });
});
