import type { IncomingMessage } from 'node:http';

const THRESHOLD_HEADER = 'x-too-costly-threshold';

/**
 * The largest expansion returned without paging for this request: the configured limit, or a lower one the
 * client asks for with the X-Too-Costly-Threshold header (a client may only lower it).
 */
export function expansionLimit(req: IncomingMessage, configured: number): number {
  const raw = req.headers[THRESHOLD_HEADER];
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
  return value !== undefined && value > 0 && value < configured ? value : configured;
}
