import { FhirError } from '../errors/fhir-error';

/**
 * The time an operation may take. JavaScript cannot interrupt a computation from outside (a timer does not fire
 * while the event loop is busy), so the long loops of the terminology code ask the budget whether time is left:
 * an expansion of nested value set imports that would take hours is answered 422 `too-costly` once the budget is
 * spent, instead of holding the process. The budget of a synchronous operation is set around its call; that of an
 * asynchronous one travels with its async context.
 */
export class TimeBudget {
  private ticks = 0;
  readonly deadline: number;
  /** The request's own deadline comes first: what stops the operation is the request's timeout. */
  private readonly requestFirst: boolean;

  /**
   * `requestDeadline`: when the request times out (epoch ms). A request that waited for the process (another
   * operation held it) has that much less time, and one that waited past it is not computed at all.
   */
  constructor(readonly ms: number, start = Date.now(), requestDeadline?: number) {
    this.requestFirst = requestDeadline !== undefined && requestDeadline < start + ms;
    this.deadline = this.requestFirst ? requestDeadline! : start + ms;
  }

  /** Throws 422 too-costly when the budget is spent, 503 timeout when the request's time is. */
  check(): void {
    if (Date.now() > this.deadline) {
      if (this.requestFirst) throw requestTimedOut();
      throw FhirError.tooCostly(`The operation was stopped after its time budget of ${this.ms} ms; ` +
        'ask for less (count, filter, a smaller value set) or split the request', {
        messageId: 'OPERATION_TOO_COSTLY',
        da: `Operationen blev stoppet efter sin tidsramme på ${this.ms} ms; bed om mindre (count, filter, et mindre værdisæt) eller del forespørgslen op`,
      });
    }
  }

  /** check() every 256th call: cheap enough for the inner loop over a code system's concepts. */
  tick(): void {
    if ((++this.ticks & 0xff) === 0) this.check();
  }
}

/**
 * The budget an asynchronous operation carries across its awaits (async-time-budget.ts, which needs Node's
 * AsyncLocalStorage; this module needs nothing of Node, so that code shared with the web page may tick a budget).
 */
let carried: () => TimeBudget | undefined = () => undefined;

/** Where the budget of an asynchronous operation is found (async-time-budget.ts sets it when it is loaded). */
export function findCarriedBudgetWith(find: () => TimeBudget | undefined): void {
  carried = find;
}

/**
 * The budget of the operation running synchronously right now. Operations are synchronous (nothing they do waits), so
 * a variable set around the call is enough and costs nothing; AsyncLocalStorage, which work that awaits needs, turns
 * on async hooks for the whole process once used — about a quarter of the cost of a cached request.
 */
let running: TimeBudget | undefined;

/** 503 for an operation stopped at its request's timeout (the request-timeout answer, sent before the timer can). */
export function requestTimedOut(): FhirError {
  return new FhirError(503, 'timeout', 'The request was not answered in time: it waited for other requests, and its time ran out', {
    da: 'Forespørgslen blev ikke besvaret i tide: den ventede på andre forespørgsler, og dens tid løb ud',
  });
}

/**
 * Runs fn under a budget of `ms` milliseconds, ending no later than the request's deadline (epoch ms) when given; no
 * budget when ms is undefined or 0. For synchronous work.
 */
export function withTimeBudget<T>(ms: number | undefined, fn: () => T, requestDeadline?: number): T {
  if (!ms || ms <= 0) return fn();
  const outer = running;
  running = new TimeBudget(ms, Date.now(), requestDeadline);
  try {
    running.check();
    return fn();
  } finally {
    running = outer;
  }
}

/** The budget of the running operation, if any. */
export function currentTimeBudget(): TimeBudget | undefined {
  return running ?? carried();
}

/** Throws 422 too-costly when the running operation has spent its budget. */
export function checkTimeBudget(): void {
  currentTimeBudget()?.check();
}
