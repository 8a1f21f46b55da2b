/** Characters of a client's value a message quotes. */
export const EXCERPT_LENGTH = 100;

/**
 * A client's value as a message quotes it: the value, or its first `max` characters and '…' when it is longer, so
 * that an OperationOutcome does not carry a long input back whole.
 */
export function excerpt(value: unknown, max = EXCERPT_LENGTH): string {
  const text = String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
