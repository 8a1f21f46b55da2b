/**
 * The command lines of the project's tools and bench (scripts/command-line.ts): `--help` prints the usage and exits 0, a
 * malformed command line prints what is wrong and the usage and exits 2, and a tool that writes files takes one folder.
 */
import path from 'node:path';
import { listOf, outputFolder, parseCommandLine, wholeNumber } from '../../scripts/command-line';

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

const USAGE = 'usage: npm run tool -- [OUTDIR]';
let printed: string[];

beforeEach(() => {
  printed = [];
  jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new Exit(code);
  }) as never);
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    printed.push(args.join(' '));
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

function run<T>(fn: () => T): T | Exit {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Exit) return e;
    throw e;
  }
}

describe('outputFolder', () => {
  it('is the folder given, resolved, or the fallback when none is', () => {
    expect(run(() => outputFolder(USAGE, '/srv/docs', ['shots']))).toBe(path.resolve('shots'));
    expect(run(() => outputFolder(USAGE, '/srv/docs', []))).toBe('/srv/docs');
  });

  it('prints the usage for --help and exits 0, without taking "--help" as a folder', () => {
    const result = run(() => outputFolder(USAGE, '/srv/docs', ['--help']));
    expect((result as Exit).code).toBe(0);
    expect(printed.join('\n')).toContain(USAGE);
  });

  it('refuses an unknown option and more than one folder with the usage, exit status 2', () => {
    for (const args of [['--bogus'], ['a', 'b']]) {
      printed = [];
      const result = run(() => outputFolder(USAGE, '/srv/docs', args));
      expect(result).toBeInstanceOf(Exit);
      expect((result as Exit).code).toBe(2);
      expect(printed.join('\n')).toContain(USAGE);
    }
    expect(printed.join('\n')).toContain('One output folder at most, not 2');
  });
});

describe('parseCommandLine', () => {
  const config = { options: { kommunekode: { type: 'string' as const } } };

  it('gives the options given', () => {
    const parsed = run(() => parseCommandLine({ ...config, args: ['--kommunekode', '370'] }, USAGE));
    expect(parsed).not.toBeInstanceOf(Exit);
    expect((parsed as { values: { kommunekode?: string } }).values.kommunekode).toBe('370');
  });

  it('takes --help in every tool, without the tool declaring it: the usage, exit 0', () => {
    const result = run(() => parseCommandLine({ ...config, args: ['--kommunekode', '370', '--help'] }, USAGE));
    expect((result as Exit).code).toBe(0);
    expect(printed.join('\n')).toContain(USAGE);
  });

  it('refuses a positional argument the tool does not take (exit 2, the problem and the usage)', () => {
    const result = run(() => parseCommandLine({ ...config, args: ['370'] }, USAGE));
    expect((result as Exit).code).toBe(2);
    expect(printed.join('\n')).toMatch(/Unexpected argument '370'[\s\S]*usage: npm run tool/);
  });
});

describe('wholeNumber', () => {
  const range = { fallback: 10, min: 1, max: 65535 };

  it('is the number given, or the fallback when the option is not given', () => {
    expect(run(() => wholeNumber('8080', '--port', range, USAGE))).toBe(8080);
    expect(run(() => wholeNumber(undefined, '--port', range, USAGE))).toBe(10);
  });

  it.each(['abc', '', '-1', '0', '65536', '1e3', '0x10', '3.5', ' 7'])('refuses %j with the usage, exit status 2', (given) => {
    printed = [];
    const result = run(() => wholeNumber(given, '--port', range, USAGE));
    expect((result as Exit).code).toBe(2);
    expect(printed.join('\n')).toContain(`--port must be a whole number from 1 to 65535, not '${given}'`);
    expect(printed.join('\n')).toContain(USAGE);
  });
});

describe('listOf', () => {
  const known = ['embedded', 'scaled', 'versioned'];

  it('is the names given, in their order, spaces and empty items left out', () => {
    expect(run(() => listOf('versioned, embedded,,', '--datasets', known, USAGE))).toEqual(['versioned', 'embedded']);
    expect(run(() => listOf('', '--datasets', known, USAGE))).toEqual([]);
  });

  it('refuses a name it does not know, naming it and the names it knows (exit status 2)', () => {
    const result = run(() => listOf('embedded,versoned', '--datasets', known, USAGE));
    expect((result as Exit).code).toBe(2);
    expect(printed.join('\n')).toContain("--datasets: no 'versoned'; one of embedded, scaled, versioned");
    expect(printed.join('\n')).toContain(USAGE);
  });
});
