import { FhirError } from '../errors/fhir-error';
import { requestTimedOut } from '../terminology/time-budget';

/** Seconds a call refused because too many wait is told to wait (Retry-After). */
const RETRY_AFTER_SECONDS = 5;

interface Waiter {
  start(): void;
  /** Gives up: the request no longer needs an answer. */
  drop(): void;
  abandoned?(): boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Calls that bring a large body (a Bundle of thousands of resources to `$validate`, a roll-up of 100,000 rows) take
 * turns: `slots` run at once, the others wait in arrival order, and a call's time budget starts when its turn does.
 * Each gives the event loop turns as it computes, so the other requests are answered meanwhile; run all at once, a
 * few such calls would share the process until each had spent its budget, and all would fail together (measured:
 * eight 9 MB `$validate` calls of ~2 s each, every one 422 after 10 s). A call still waiting when its request's time
 * runs out is 503 `timeout`; one that finds `maxWaiting` waiting already is 503 `throttled` with Retry-After.
 */
export class HeavyWork {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly slots = 1, readonly maxWaiting = 16) {}

  /**
   * Runs `work` in its turn; `deadline` (epoch ms) is when the request times out, `abandoned` whether it no longer
   * needs an answer (its client gone): such a call is not run when its turn comes, and gives its place up when the
   * queue is full.
   */
  turn<T>(deadline: number | undefined, work: () => T | Promise<T>, abandoned?: () => boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        if (abandoned?.()) {
          reject(requestTimedOut());
          this.next();
          return;
        }
        this.running++;
        let result: Promise<T>;
        try {
          result = Promise.resolve(work());
        } catch (e) {
          result = Promise.reject(e);
        }
        result.then(resolve, reject).finally(() => this.done());
      };
      if (this.running < this.slots) return start();
      if (this.waiting.length >= this.maxWaiting) this.dropAbandoned();
      if (this.waiting.length >= this.maxWaiting) return reject(busy());
      const waiter: Waiter = { start, abandoned, drop: () => reject(requestTimedOut()) };
      if (deadline !== undefined) {
        waiter.timer = setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          waiter.drop();
        }, Math.max(0, deadline - Date.now()));
      }
      this.waiting.push(waiter);
    });
  }

  /** How many calls run, and wait (for /metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private done(): void {
    this.running--;
    this.next();
  }

  /** The first waiting call starts (one abandoned meanwhile hands the turn straight on). */
  private next(): void {
    if (this.running >= this.slots) return;
    const next = this.waiting.shift();
    if (!next) return;
    clearTimeout(next.timer);
    next.start();
  }

  /** The waiting calls whose requests no longer need an answer give up their places. */
  private dropAbandoned(): void {
    for (const w of this.waiting.filter((x) => x.abandoned?.())) {
      this.waiting.splice(this.waiting.indexOf(w), 1);
      clearTimeout(w.timer);
      w.drop();
    }
  }
}

function busy(): FhirError {
  const error = new FhirError(503, 'throttled', 'The server is busy with other large requests; send this one again later', {
    da: 'Serveren er optaget af andre store forespørgsler; send denne igen senere',
  });
  return Object.assign(error, { retryAfter: String(RETRY_AFTER_SECONDS) });
}
