/** At most `max` items: a computation with more stops at the first one past it and throws `refusal()`. */
export interface CountLimit {
  max: number;
  refusal(): Error;
}

/** A list that refuses to grow past its limit (none: no limit), so what is found is counted as it is found. */
export class LimitedList<T> {
  readonly items: T[] = [];

  constructor(private readonly limit?: CountLimit) {}

  push(item: T): void {
    if (this.limit && this.items.length >= this.limit.max) throw this.limit.refusal();
    this.items.push(item);
  }
}
