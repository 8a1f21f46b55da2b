import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The command line of a tool, parsed; a malformed one prints the problem and the usage and exits with status 2, and
 * `--help` (an option of every tool, not declared by each) prints the usage and exits with status 0.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs({ ...config, options: { ...config.options, help: { type: 'boolean', default: false } } }) as ReturnType<typeof parseArgs<T>>;
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.error(usage);
    process.exit(0);
  }
  return parsed;
}

/** The one folder a tool that writes files may be given (`fallback` when none), resolved; more than one is refused. */
export function outputFolder(usage: string, fallback: string, args = process.argv.slice(2)): string {
  const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true }, usage);
  if (positionals.length > 1) {
    console.error(`One output folder at most, not ${positionals.length}\n${usage}`);
    process.exit(2);
  }
  return path.resolve(positionals[0] ?? fallback);
}

/**
 * An option's value as a whole number from `min` to `max` (`fallback` when the option is not given); anything else
 * prints what is wrong and the usage and exits with status 2.
 */
export function wholeNumber(given: string | undefined, name: string, range: { fallback: number; min: number; max: number }, usage: string): number {
  if (given === undefined) return range.fallback;
  const n = /^\d{1,16}$/.test(given) ? Number(given) : NaN;
  if (!(n >= range.min && n <= range.max)) {
    console.error(`${name} must be a whole number from ${range.min} to ${range.max}, not '${given}'\n${usage}`);
    process.exit(2);
  }
  return n;
}

/** A comma-separated list of names, each one of `known` (else what is wrong and the usage, exit status 2). */
export function listOf(given: string, name: string, known: readonly string[], usage: string): string[] {
  const names = given.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`${name}: no ${unknown.map((n) => `'${n}'`).join(', ')}; one of ${known.join(', ')}\n${usage}`);
    process.exit(2);
  }
  return names;
}
