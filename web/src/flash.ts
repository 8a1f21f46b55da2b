import type { ComponentChildren } from 'preact';

/** A message for the next view (e.g. "saved" after the editor returns to the municipality's list); shown once. */
let pending: ComponentChildren | undefined;

export function setFlash(message: ComponentChildren): void {
  pending = message;
}

export function takeFlash(): ComponentChildren | undefined {
  const m = pending;
  pending = undefined;
  return m;
}
