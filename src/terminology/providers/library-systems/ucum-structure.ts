/**
 * The structure of a UCUM unit expression, read by UCUM's grammar (term = component (('.' | '/') term)?, component
 * = annotatable annotation? | annotation | factor | '(' term ')', annotatable = prefix? atom exponent?), and its
 * formal form as HL7's UCUM libraries write it: each unit's name in parentheses (prefix and atom name, ` ^ n` for an
 * exponent), factors as numbers, ` / ` and ` * ` between components, and an annotation standing alone as `1`.
 * The tables of prefixes and atoms are given. A unit is valid when it follows this grammar and the UCUM library
 * (which also checks what the grammar cannot, such as a special unit raised to a power) accepts it.
 */

export interface UcumAtom {
  readonly name: string;
  /** Base units and metric units take prefixes. */
  readonly takesPrefix: boolean;
}

export interface UcumTables {
  /** Prefix codes with their names, in the order UCUM lists them (the first that fits wins: `da` before `d`). */
  readonly prefixes: readonly { code: string; name: string }[];
  atom(code: string): UcumAtom | undefined;
}

type Part = { kind: 'unit'; prefix?: string; atom: string; exponent: number } | { kind: 'factor'; value: string };

/** One component and the operator after it (a term is a chain of these). */
interface Step {
  part: Part;
  op?: '/' | '.';
}

/** A unit expression that is not UCUM: the message in English (tx.fhir.org's words) and `da`, the same in Danish. */
export class UcumSyntaxError extends Error {
  readonly da: string;

  constructor(readonly unit: string, readonly reason: string, readonly position: number, reasonDa: string) {
    super(`Error processing unit '${unit}': ${reason} at character ${position}`);
    this.da = `Fejl i enheden '${unit}' ved tegn ${position}: ${reasonDa}`;
  }
}

type TokenType = 'none' | '/' | '.' | '(' | ')' | 'annotation' | 'number' | 'symbol';

const SYMBOL_CHAR = /[A-Za-z[\]%*^'"_]/;

class Lexer {
  private type: TokenType = 'none';
  token = '';
  start = 0;
  private index = 0;

  constructor(private readonly source: string) {
    this.next();
  }

  /** Fails at the current token, saying why in English and in Danish. */
  fail(reason: string, da: string): never {
    throw new UcumSyntaxError(this.source, reason, this.start + 1, da);
  }

  /** The current token's type (a method, so that reading it after next() is not narrowed away). */
  kind(): TokenType {
    return this.type;
  }

  get finished(): boolean {
    return this.type === 'none' && this.index >= this.source.length;
  }

  next(): void {
    this.start = this.index;
    this.token = '';
    this.type = 'none';
    if (this.index >= this.source.length) return;
    const ch = this.source[this.index++]!;
    if (ch === '/' || ch === '.' || ch === '(' || ch === ')') {
      this.type = ch;
      this.token = ch;
    } else if (ch === '{') {
      this.annotation();
    } else if (ch === '+' || ch === '-') {
      this.signedNumber(ch);
    } else if (SYMBOL_CHAR.test(ch) || isDigit(ch)) {
      this.symbolOrNumber(ch);
    } else {
      this.fail(`unexpected character '${ch}'`, `uventet tegn '${ch}'`);
    }
  }

  private annotation(): void {
    const end = this.source.indexOf('}', this.index);
    if (end < 0) this.fail('unterminated annotation', "en annotation mangler sin afsluttende '}'");
    const text = this.source.slice(this.index, end);
    if (/[^\x21-\x7e ]/.test(text)) this.fail('annotation contains non-ascii characters', 'en annotation indeholder tegn uden for ASCII');
    this.index = end + 1;
    this.type = 'annotation';
    this.token = text;
  }

  private signedNumber(sign: string): void {
    let digits = '';
    while (this.index < this.source.length && isDigit(this.source[this.index]!)) digits += this.source[this.index++];
    if (digits === '') this.fail(`a ${sign} must be followed by at least one digit`, `'${sign}' skal følges af mindst ét ciffer`);
    this.type = 'number';
    this.token = sign + digits;
  }

  /** Digits alone are a number; once a letter (or other symbol character) is seen, digits end the symbol unless inside brackets. */
  private symbolOrNumber(first: string): void {
    let token = first;
    let isSymbol = !isDigit(first);
    let depth = first === '[' ? 1 : 0;
    while (this.index < this.source.length) {
      const ch = this.source[this.index]!;
      const allowed = SYMBOL_CHAR.test(ch) || (isDigit(ch) && (!isSymbol || depth > 0)) || (ch === '.' && depth > 0);
      if (!allowed) break;
      if (ch === '[') {
        if (depth > 0) this.fail('nested [', "'[' inden i '['");
        depth = 1;
      } else if (ch === ']') {
        if (depth === 0) this.fail('] without [', "']' uden '['");
        depth = 0;
      }
      token += ch;
      isSymbol ||= !isDigit(ch);
      this.index++;
    }
    this.type = isSymbol ? 'symbol' : 'number';
    this.token = token;
  }
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

/** Parses a unit expression into its chain of components; throws UcumSyntaxError where it is not UCUM. */
export class UcumStructureParser {
  constructor(private readonly tables: UcumTables) {}

  /** The formal form of a unit expression, e.g. `(milligram) / (deciliter)` for `mg/dL`. */
  formal(unit: string): string {
    return render(this.parse(unit));
  }

  parse(unit: string): Step[] {
    const lexer = new Lexer(unit);
    const steps = this.term(lexer, true);
    if (!lexer.finished) lexer.fail('the expression was not parsed completely', 'udtrykket kunne ikke læses helt');
    return steps;
  }

  private term(lexer: Lexer, first: boolean): Step[] {
    if (first && lexer.kind() === 'none') return [{ part: { kind: 'factor', value: '1' } }];
    if (first && lexer.kind() === '/') {
      // a main term may start with a solidus: `/min` is 1 / minute
      lexer.next();
      return [{ part: { kind: 'factor', value: '1' }, op: '/' }, ...this.term(lexer, false)];
    }
    const out: Step[] = [];
    if (lexer.kind() === 'annotation') {
      out.push({ part: { kind: 'factor', value: '1' } });
      lexer.next();
    } else {
      out.push(...this.component(lexer));
    }
    if (lexer.kind() === 'none' || lexer.kind() === ')') return out;
    const last = out[out.length - 1]!;
    const between = lexer.kind();
    if (between === '/' || between === '.') {
      last.op = between;
      lexer.next();
    } else if (between === 'annotation') {
      last.op = '.'; // an annotation after a unit multiplies it by one
    } else {
      lexer.fail("expected '/' or '.'", "'/' eller '.' var ventet");
    }
    return [...out, ...this.term(lexer, false)];
  }

  private component(lexer: Lexer): Step[] {
    if (lexer.kind() === 'number') {
      const value = lexer.token.replace(/^\+/, '');
      lexer.next();
      return [{ part: { kind: 'factor', value } }];
    }
    if (lexer.kind() === 'symbol') return [{ part: this.symbol(lexer) }];
    if (lexer.kind() === '(') {
      lexer.next();
      const inner = this.term(lexer, true);
      if (lexer.kind() !== ')') {
        if (lexer.kind() === 'none') lexer.fail('missing close bracket', "der mangler en afsluttende ')'");
        lexer.fail(`unexpected '${lexer.token}' looking for a close bracket`, `uventet '${lexer.token}', hvor en afsluttende ')' var ventet`);
      }
      lexer.next();
      return inner;
    }
    if (lexer.kind() === 'none') lexer.fail('unexpected end of expression looking for a symbol or a number', 'udtrykket slutter, hvor en enhed eller et tal var ventet');
    return lexer.fail(`unexpected '${lexer.token}' looking for a symbol or a number`, `uventet '${lexer.token}', hvor en enhed eller et tal var ventet`);
  }

  private symbol(lexer: Lexer): Part {
    const sym = lexer.token;
    let part: (Part & { kind: 'unit' }) | undefined;
    for (const p of this.tables.prefixes) {
      if (!sym.startsWith(p.code)) continue;
      const atom = this.tables.atom(sym.slice(p.code.length));
      if (atom?.takesPrefix) {
        part = { kind: 'unit', prefix: p.name, atom: atom.name, exponent: 1 };
        break;
      }
    }
    if (!part) {
      const atom = this.tables.atom(sym);
      if (!atom) lexer.fail(`The unit '${sym}' is unknown`, `enheden '${sym}' kendes ikke`);
      part = { kind: 'unit', atom: atom.name, exponent: 1 };
    }
    lexer.next();
    if (lexer.kind() === 'number') {
      part.exponent = Number(lexer.token);
      lexer.next();
    }
    return part;
  }
}

function render(steps: Step[]): string {
  return steps.map((s) => {
    const p = s.part;
    const text = p.kind === 'factor' ? p.value : `(${p.prefix ?? ''}${p.atom}${p.exponent !== 1 ? ` ^ ${p.exponent}` : ''})`;
    return s.op === undefined ? text : `${text} ${s.op === '/' ? '/' : '*'} `;
  }).join('');
}
