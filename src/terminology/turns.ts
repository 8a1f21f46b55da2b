import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long a piece of long work runs before it lets the other requests have a turn. */
export const TURN_MS = 10;

/**
 * Long synchronous work (a Bundle of thousands of resources) cut into turns of the event loop: `pause()` between two
 * steps gives the loop a turn once TURN_MS has been spent since the last, so that the requests waiting behind the
 * work are answered meanwhile instead of after it. A pause that is not due costs a clock read.
 */
export class Turns {
  private since = performance.now();

  constructor(private readonly ms = TURN_MS) {}

  /** Whether a turn is due (for a caller that would rather not await when none is). */
  due(): boolean {
    return performance.now() - this.since >= this.ms;
  }

  async pause(): Promise<void> {
    if (!this.due()) return;
    await nextTurn();
    this.since = performance.now();
  }
}
