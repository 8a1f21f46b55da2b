/**
 * Calls with a large body take turns (src/operations/heavy-work.ts): one computes at a time, the others wait in
 * arrival order and start only in their turn (so their time budgets start then); a call still waiting when its
 * request's time runs out is 503 timeout, and one that finds the queue full is 503 throttled with Retry-After.
 */
import { FhirError } from '../../src/errors/fhir-error';
import { HeavyWork } from '../../src/operations/heavy-work';
import { errorAnswer } from '../../src/operations/invoke';

/** A piece of work that ends when its `finish` is called, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: (v: string) => void;
  const done = new Promise<string>((resolve) => (finish = resolve));
  return { work: () => { log.push(`start ${name}`); return done; }, finish: () => finish(name) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('HeavyWork', () => {
  it('runs one call at a time, the waiting ones in arrival order, each starting only when the one before has ended', async () => {
    const log: string[] = [];
    const heavy = new HeavyWork(1, 16);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => gate(log, n));
    const results = [heavy.turn(undefined, a!.work), heavy.turn(undefined, b!.work), heavy.turn(undefined, c!.work)];
    await settle();
    expect([log, heavy.load]).toEqual([['start a'], { running: 1, waiting: 2 }]);
    a!.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    b!.finish();
    c!.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(heavy.load).toEqual({ running: 0, waiting: 0 });
  });

  it('gives the turn on when a call fails, synchronously or not', async () => {
    const heavy = new HeavyWork(1, 16);
    const first = heavy.turn(undefined, () => { throw new Error('sync'); });
    const second = heavy.turn(undefined, () => Promise.reject(new Error('async')));
    const third = heavy.turn(undefined, () => 'ran');
    await expect(first).rejects.toThrow('sync');
    await expect(second).rejects.toThrow('async');
    await expect(third).resolves.toBe('ran');
  });

  it("answers 503 timeout for a call whose request's time runs out while it waits, and never starts it", async () => {
    const log: string[] = [];
    const heavy = new HeavyWork(1, 16);
    const a = gate(log, 'a');
    const running = heavy.turn(undefined, a.work);
    const waiting = heavy.turn(Date.now() + 20, gate(log, 'late').work);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirError);
    expect([(error as FhirError).status, (error as FhirError).code]).toEqual([503, 'timeout']);
    expect(heavy.load).toEqual({ running: 1, waiting: 0 });
    a.finish();
    await running;
    expect(log).toEqual(['start a']);
  });

  it('answers 503 throttled with Retry-After when the queue is full', async () => {
    const log: string[] = [];
    const heavy = new HeavyWork(1, 2);
    const a = gate(log, 'a');
    const queued = [heavy.turn(undefined, a.work), heavy.turn(undefined, () => 'b'), heavy.turn(undefined, () => 'c')];
    const error = await heavy.turn(undefined, () => 'd').catch((e: unknown) => e);
    expect([(error as FhirError).status, (error as FhirError).code, (error as { retryAfter?: string }).retryAfter]).toEqual([503, 'throttled', '5']);
    const answer = errorAnswer(error, 'da');
    expect([answer.status, answer.headers?.['Retry-After'], JSON.parse(answer.text!).issue[0].details.text])
      .toEqual([503, '5', 'Serveren er optaget af andre store forespørgsler; send denne igen senere']);
    a.finish();
    expect(await Promise.all(queued)).toEqual(['a', 'b', 'c']);
  });

  /** A queue of `maxWaiting` places with one call running (`a`), and a flag a waiting call's request may set: gone. */
  function busyQueue(maxWaiting: number) {
    const log: string[] = [];
    const heavy = new HeavyWork(1, maxWaiting);
    const a = gate(log, 'a');
    const client = { gone: false };
    return { log, heavy, a, client, running: heavy.turn(undefined, a.work), abandoned: () => client.gone };
  }

  it('does not run a call whose request was abandoned while it waited, and hands the turn on', async () => {
    const { log, heavy, a, client, running, abandoned } = busyQueue(16);
    const dropped = heavy.turn(undefined, gate(log, 'gone').work, abandoned).catch((e: unknown) => e);
    const after = heavy.turn(undefined, () => 'after');
    client.gone = true;
    a.finish();
    await running;
    expect([((await dropped) as FhirError).status, await after]).toEqual([503, 'after']);
    expect(log).toEqual(['start a']);
  });

  it('gives the places of abandoned calls to new ones when the queue is full', async () => {
    const { heavy, a, client, running, abandoned } = busyQueue(2);
    const waiting = [heavy.turn(undefined, () => 'b', abandoned).catch((e: unknown) => (e as FhirError).code), heavy.turn(undefined, () => 'c')];
    client.gone = true;
    const d = heavy.turn(undefined, () => 'd');
    expect(heavy.load).toEqual({ running: 1, waiting: 2 });
    a.finish();
    await running;
    expect(await Promise.all([...waiting, d])).toEqual(['timeout', 'c', 'd']);
  });

  it('runs as many calls at once as it has slots', async () => {
    const log: string[] = [];
    const heavy = new HeavyWork(2, 16);
    const gates = ['a', 'b', 'c'].map((n) => gate(log, n));
    const results = gates.map((g) => heavy.turn(undefined, g.work));
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    gates.forEach((g) => g.finish());
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
  });
});
