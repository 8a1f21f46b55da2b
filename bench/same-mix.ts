/**
 * The "same mix" rows of a scaled dataset: a scenario's requests narrowed to as many distinct ones as the embedded
 * dataset's run of it asked for, so that the two compare the same kind of traffic on more data. The scaled datasets
 * ask for many more distinct answers than the embedded one (98 municipalities' maps against one example map: ~5,000
 * distinct `$translate` requests against 10), and a cached answer costs more when thousands of them no longer stay in
 * the processor's caches; a "same mix" row shows how much of a scenario's difference is that and how much the data.
 * Diagnostic only: the bar is judged on the scenario's own rows.
 */
import type { Prepared } from './scenarios';

export const SAME_MIX = 'same-mix';

/** A scenario that is measured: a load, or a batch. */
export type Measured = Extract<Prepared, { kind: 'load' | 'batch' }>;

/** Narrowed only when the scaled run asks for at least this many times the reference's distinct requests. */
const MIN_FACTOR = 2;

/** The distinct requests a prepared scenario asks for: its paths, or a batch Bundle's entry URLs (undefined for another body). */
export function distinctRequests(prepared: Prepared): number | undefined {
  if (prepared.kind === 'load') return new Set(prepared.paths).size;
  if (prepared.kind === 'batch') return bundleUrls(prepared.body)?.distinct.length;
  return undefined;
}

/**
 * The scenario asking for only the first `distinct` of its distinct requests (in the order it first asks for them),
 * each as often and in the same rhythm as before: a load's pool keeps its length, a Bundle its number of entries.
 * Undefined when there is nothing to narrow (it asks for fewer than MIN_FACTOR × `distinct`) or it is not a load or
 * a batch Bundle.
 */
export function narrowed(prepared: Prepared, distinct: number): Measured | undefined {
  if (!(distinct >= 1)) return undefined;
  if (prepared.kind === 'load') {
    const kept = [...new Set(prepared.paths)];
    if (kept.length < MIN_FACTOR * distinct) return undefined;
    kept.length = distinct;
    return { ...prepared, paths: prepared.paths.map((_, i) => kept[i % distinct]!), note: `${prepared.note ?? ''}; narrowed to ${distinct} distinct requests` };
  }
  if (prepared.kind === 'batch') {
    const urls = bundleUrls(prepared.body);
    if (!urls || urls.distinct.length < MIN_FACTOR * distinct) return undefined;
    const entry = urls.bundle.entry.map((e, i) => ({ ...e, request: { ...e.request, url: urls.distinct[i % distinct]! } }));
    return { ...prepared, body: JSON.stringify({ ...urls.bundle, entry }), note: `${prepared.note ?? ''}; narrowed to ${distinct} distinct entries` };
  }
  return undefined;
}

type BundleBody = { resourceType: 'Bundle'; entry: { request: { url: string } }[] };

function bundleUrls(body: string | undefined): { bundle: BundleBody; distinct: string[] } | undefined {
  if (body === undefined) return undefined;
  const bundle = JSON.parse(body) as Partial<BundleBody>;
  if (bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry) || !bundle.entry.every((e) => typeof e?.request?.url === 'string')) return undefined;
  return { bundle: bundle as BundleBody, distinct: [...new Set(bundle.entry.map((e) => e.request.url))] };
}
