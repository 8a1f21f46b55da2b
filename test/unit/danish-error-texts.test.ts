import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

/**
 * Every 4xx FhirError the server throws has a Danish text (FhirErrorOptions.da) for a caller who asks for Danish.
 * Read from the source: `new FhirError(status, …)` with a 4xx or computed status and FhirError.invalid, notFound,
 * notSupported and tooCostly, whose options must name `da` (or hand on options written elsewhere). (5xx errors of the store and
 * internal errors are not the caller's to fix and are left in English.)
 */
const ROOT = path.join(__dirname, '..', '..', 'src');
const CHECKED = ['http', 'fhir', 'operations', 'municipal', 'write', 'store', 'terminology', 'packages', 'errors'];
const FACTORIES: Record<string, number> = { invalid: 400, notFound: 404, notSupported: 400, tooCostly: 422 };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Whether the options give a Danish text: an object literal naming `da`, or options handed on from elsewhere (a
 * variable, another error's options, a spread), which are checked where they are written.
 */
function hasDanish(options: ts.Expression | undefined): boolean {
  if (options === undefined) return false;
  if (ts.isIdentifier(options) || ts.isPropertyAccessExpression(options)) return true;
  return ts.isObjectLiteralExpression(options)
    && options.properties.some((p) => ts.isSpreadAssignment(p) || (p.name !== undefined && p.name.getText() === 'da'));
}

/** `file:line message` of each 4xx FhirError in `file` without a Danish text. */
function withoutDanish(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  // parsed only where an error can be: most files never name FhirError
  if (!text.includes('FhirError')) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let status: number | undefined;
    let options: ts.Expression | undefined;
    let message: ts.Expression | undefined;
    let found = false;
    if (ts.isNewExpression(node) && node.expression.getText() === 'FhirError') {
      const [statusArg, , messageArg, optionsArg] = node.arguments ?? [];
      found = true;
      status = statusArg && ts.isNumericLiteral(statusArg) ? Number(statusArg.text) : undefined;
      message = messageArg;
      options = optionsArg;
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)
      && node.expression.expression.getText() === 'FhirError' && node.expression.name.text in FACTORIES) {
      found = true;
      status = FACTORIES[node.expression.name.text];
      [message, options] = node.arguments;
    }
    // a status computed at run time may be a 4xx: it needs a Danish text too
    if (found && (status === undefined || (status >= 400 && status < 500))) {
      if (!hasDanish(options)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        out.push(`${path.relative(ROOT, file)}:${line + 1} ${(message?.getText() ?? '').slice(0, 100)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('4xx errors have a Danish text', () => {
  it.each(CHECKED)('src/%s', (dir) => {
    const files = sourceFiles(path.join(ROOT, dir));
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap(withoutDanish)).toEqual([]);
  });

  it('finds an error without one (the check reads what it should)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-'));
    const file = path.join(dir, 'sample.ts');
    fs.writeFileSync(file, [
      "throw FhirError.invalid('English only');",
      "throw new FhirError(409, 'conflict', 'English only', { expression: ['x'] });",
      "throw new FhirError(e.status, 'invalid', 'English only');",
      "throw new FhirError(500, 'exception', 'Internal');",
      "throw FhirError.notFound('Both', { da: 'Begge' });",
      "throw FhirError.invalid('Handed on', err.options);",
      "throw FhirError.invalid('Computed', where && { expression: where });",
    ].join('\n'));
    try {
      expect(withoutDanish(file).map((l) => l.split(' ')[0]!.split(':').pop())).toEqual(['1', '2', '3', '7']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
