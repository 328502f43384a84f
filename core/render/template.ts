/**
 * Service templates: Go `text/template` as Zadig runs it (the standard
 * library with no function map, option `missingkey=error`, data from
 * `gopkg.in/yaml.v2`, typed as `go-data.ts` describes), plus sprig's `default`
 * and `quote`, which Berth adds.
 *
 * A tokenizer, a recursive-descent parser to a small AST and a tree-walking
 * evaluator: no `eval`, no `new Function`, and budgets for steps, output and
 * template call depth, so a template cannot spin (`{{range 1000000000}}`) or
 * balloon.
 *
 * The whole language, with Go 1.26's semantics, held against Go itself by
 * `test/unit/render-oracle.test.ts`: text, comments, trim markers, pipelines,
 * variables, literals, `if / else if`, `with / else with`, `range` (lists,
 * maps in key order, ints; `break`, `continue`), `define` / `template` /
 * `block`, and every built-in function: `and or not eq ne lt le gt ge len
 * index slice print printf println html js urlquery call`.
 *
 * Refused, each an `InvalidInputError` naming it: any other function
 * (`toYaml`, ...), complex and hexadecimal floating-point literals, printf's
 * `%T`, `%p`, `%#v` and the `#` flag on floats.
 *
 * Where Berth differs from Go on purpose (`docs/decisions.md`, "Templates
 * held against Go", each difference pinned by a case of the oracle corpus):
 * - Every missing key is collected and reported at once:
 *   `template validate err: missing keys [a b.c]` (Go stops at the first).
 *   Evaluation goes on past a missing key, treating it as empty: `if`/`with`
 *   take their else branch, `range` does not iterate, a template is not
 *   called, functions given one return an empty result. Keys are paths from
 *   the root (`b.c`, `items[0].name`, `m["k-1"]`).
 * - A key used only as the value argument of `default` is not missing.
 * - `index` on a missing map key is a missing key too (Go returns `<no value>`),
 *   and so is a field or index of a null value (Go fails with "nil pointer
 *   evaluating").
 * - null prints as the empty string (Go prints `<no value>` or `<nil>`), so
 *   `key: {{.v}}` renders a YAML null.
 * - A map or a list prints as compact JSON, a YAML flow node that is valid at
 *   any indentation (Go prints `map[a:1]` / `[1 2]`, which no YAML reader wants).
 * - Where Go's printf writes a `%!` marker into the output (wrong type for a
 *   verb, missing or extra argument) Berth fails with an error naming it.
 * - Template calls nest at most `MAX_TEMPLATE_DEPTH` deep (Go: 100000).
 */
import { InvalidInputError } from '../errors.ts';
import {
  describe,
  FormatError,
  formatValue,
  goQuote,
  htmlEscape,
  jsEscape,
  kindOf,
  queryEscape,
  sprint,
  sprintf,
  sprintln,
} from './go-fmt.ts';

export interface TemplateLimits {
  /** Maximum characters of output. */
  readonly maxOutputLength: number;
  /** Maximum evaluation steps (nodes walked, range iterations, function calls). */
  readonly maxSteps: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = {
  maxOutputLength: 4 * 1024 * 1024,
  maxSteps: 1_000_000,
};

/** How deep `{{template}}` calls may nest: far below Go's 100000, well within the JavaScript stack. */
export const MAX_TEMPLATE_DEPTH = 1000;

/** The parsed form of a template, reusable for listing variables and rendering. */
export interface ParsedTemplate {
  readonly source: string;
  /** The template's own body. */
  readonly nodes: readonly Node[];
  /** The templates it defines with `define` and `block`, by name. */
  readonly templates: ReadonlyMap<string, readonly Node[]>;
}

/**
 * Parses a template. Syntax errors and unsupported constructs are
 * `InvalidInputError`s naming the line and the construct.
 *
 * @example parseTemplate('replicas: {{.replicas}}')
 */
export function parseTemplate(source: string): ParsedTemplate {
  const parser = new Parser(lex(source));
  const nodes = parser.parse();
  return { source, nodes, templates: parser.templates };
}

/**
 * Renders a template with `data` as its root (`.` and `$`). Data is typed as
 * Go holds it (`go-data.ts`): a bigint is an int, a number a float64.
 * Throws `InvalidInputError` for syntax errors, unsupported constructs,
 * execution errors and missing keys (all of them in one message).
 *
 * @example renderTemplate('port: {{.port}}', { port: 80n }) // 'port: 80'
 */
export function renderTemplate(
  template: string | ParsedTemplate,
  data: Readonly<Record<string, unknown>>,
  limits: Partial<TemplateLimits> = {},
): string {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  return new Executor({ ...DEFAULT_TEMPLATE_LIMITS, ...limits }, parsed.templates).run(parsed.nodes, data);
}

/**
 * The top-level keys a template reads from its data, in order of first use:
 * `.a.b` at the root gives `a`, `$.a` gives `a`, `index . "a-b"` gives `a-b`,
 * and so do the same inside a template called with the root
 * (`{{template "t" .}}`). Fields inside `with` and `range` bodies, or of a
 * template called with something else, are relative to another dot and are
 * not listed. Keys used only under `default` are listed: they are variables
 * the template can take.
 *
 * @example templateVariables('{{.a.b}}{{range .items}}{{.name}}{{end}}') // ['a', 'items']
 */
export function templateVariables(template: string | ParsedTemplate): string[] {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  const collector = new KeyCollector(parsed.templates);
  collector.nodes(parsed.nodes, { dotIsRoot: true, dollarIsRoot: true });
  return [...collector.keys];
}

/* ----------------------------------------------------------------------------
 * Lexer
 * ------------------------------------------------------------------------- */

type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'leftParen'
  | 'rightParen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'eof';

interface Token {
  readonly type: TokenType;
  /** Source text, except for `string`/`text` (decoded value) and `field`/`variable` (name without `.`). */
  readonly value: string;
  readonly line: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

const isSpace = (c: string | undefined): boolean => c !== undefined && SPACE.test(c);
const isAlnum = (c: string | undefined): boolean => c !== undefined && ALNUM.test(c);

const parseError = (line: number, message: string): InvalidInputError =>
  new InvalidInputError(`template: line ${line}: ${message}`);

const countLines = (text: string): number => {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

const trimLeadingSpace = (text: string): string => text.replace(/^[ \t\r\n]+/, '');
const trimTrailingSpace = (text: string): string => text.replace(/[ \t\r\n]+$/, '');

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let trimNext = false;

  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    const end = open === -1 ? src.length : open;
    const trimLeft = open !== -1 && src[open + 2] === '-' && isSpace(src[open + 3]);
    let text = src.slice(pos, end);
    if (trimNext) text = trimLeadingSpace(text);
    if (trimLeft) text = trimTrailingSpace(text);
    if (text !== '') tokens.push({ type: 'text', value: text, line });
    line += countLines(src.slice(pos, end));
    trimNext = false;
    if (open === -1) break;

    let i = open + 2 + (trimLeft ? 2 : 0);
    const actionLine = line;

    if (src.startsWith('/*', i)) {
      const close = src.indexOf('*/', i + 2);
      if (close === -1) throw parseError(actionLine, 'unclosed comment');
      line += countLines(src.slice(i, close));
      i = close + 2;
      if (src.startsWith('}}', i)) {
        pos = i + 2;
      } else if (isSpace(src[i]) && src.startsWith('-}}', i + 1)) {
        line += countLines(src[i] ?? '');
        trimNext = true;
        pos = i + 4;
      } else {
        throw parseError(actionLine, 'comment ends before closing delimiter');
      }
      continue;
    }

    tokens.push({ type: 'leftDelim', value: '{{', line });
    for (;;) {
      const c = src[i];
      if (c === undefined) throw parseError(actionLine, 'unclosed action');
      if (src.startsWith('}}', i)) {
        tokens.push({ type: 'rightDelim', value: '}}', line });
        i += 2;
        break;
      }
      if (isSpace(c)) {
        let j = i;
        while (isSpace(src[j])) j++;
        const spaces = src.slice(i, j);
        line += countLines(spaces);
        if (src.startsWith('-}}', j)) {
          tokens.push({ type: 'rightDelim', value: '}}', line });
          trimNext = true;
          i = j + 3;
          break;
        }
        tokens.push({ type: 'space', value: spaces, line });
        i = j;
        continue;
      }
      const start = i;
      const tokenLine = line;
      const push = (type: TokenType, value: string): void => {
        tokens.push({ type, value, line: tokenLine });
      };
      const requireTerminator = (): void => {
        const next = src[i];
        if (next === undefined || isSpace(next) || '.,|:=)('.includes(next) || src.startsWith('}}', i)) return;
        throw parseError(tokenLine, `bad character ${JSON.stringify(next)}`);
      };
      if (c === '(') {
        push('leftParen', c);
        i++;
      } else if (c === ')') {
        push('rightParen', c);
        i++;
      } else if (c === '|') {
        push('pipe', c);
        i++;
      } else if (c === ',') {
        push('comma', c);
        i++;
      } else if (c === ':') {
        if (src[i + 1] !== '=') throw parseError(tokenLine, 'expected :=');
        push('declare', ':=');
        i += 2;
      } else if (c === '=') {
        push('assign', '=');
        i++;
      } else if (c === '"') {
        i++;
        while (src[i] !== '"') {
          if (src[i] === undefined || src[i] === '\n') throw parseError(tokenLine, 'unterminated quoted string');
          if (src[i] === '\\') i++;
          i++;
        }
        i++;
        push('string', unquoteGo(src.slice(start + 1, i - 1), tokenLine, '"'));
      } else if (c === '`') {
        const close = src.indexOf('`', i + 1);
        if (close === -1) throw parseError(tokenLine, 'unterminated raw quoted string');
        const raw = src.slice(i + 1, close).replaceAll('\r', '');
        line += countLines(raw);
        i = close + 1;
        push('string', raw);
      } else if (c === "'") {
        i++;
        while (src[i] !== "'") {
          if (src[i] === undefined || src[i] === '\n') throw parseError(tokenLine, 'unterminated character constant');
          if (src[i] === '\\') i++;
          i++;
        }
        i++;
        const chars = [...unquoteGo(src.slice(start + 1, i - 1), tokenLine, "'")];
        if (chars.length !== 1) throw parseError(tokenLine, `malformed character constant: ${src.slice(start, i)}`);
        push('char', String(chars[0]!.codePointAt(0)));
      } else if (c === '$') {
        i++;
        while (isAlnum(src[i])) i++;
        push('variable', src.slice(start, i));
        requireTerminator();
      } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
        i++;
        if (!isAlnum(src[i])) {
          push('dot', '.');
          continue;
        }
        while (isAlnum(src[i])) i++;
        push('field', src.slice(start + 1, i));
        requireTerminator();
      } else if (c === '+' || c === '-' || c === '.' || /[0-9]/.test(c)) {
        i++;
        while (/[0-9A-Za-z_.+-]/.test(src[i] ?? '')) {
          // a sign is part of the number only right after an exponent marker
          if ((src[i] === '+' || src[i] === '-') && !/[eEpP]/.test(src[i - 1] ?? '')) break;
          i++;
        }
        push('number', src.slice(start, i));
      } else if (isAlnum(c)) {
        while (isAlnum(src[i])) i++;
        const word = src.slice(start, i);
        if (word === 'true' || word === 'false') push('bool', word);
        else if (word === 'nil') push('nil', word);
        else if (KEYWORDS.has(word)) push('keyword', word);
        else push('identifier', word);
        requireTerminator();
      } else {
        throw parseError(tokenLine, `unrecognized character in action: ${JSON.stringify(c)}`);
      }
    }
    pos = i;
  }
  tokens.push({ type: 'eof', value: '', line });
  return tokens;
}

/** Decodes the body of a Go interpreted string or character literal. */
function unquoteGo(body: string, line: number, quote: '"' | "'"): string {
  const bytes: number[] = [];
  const pushText = (text: string): void => {
    for (const b of Buffer.from(text, 'utf8')) bytes.push(b);
  };
  const hex = (digits: string, length: number): number => {
    if (digits.length !== length || !/^[0-9A-Fa-f]+$/.test(digits))
      throw parseError(line, `invalid escape in ${quote}${body}${quote}`);
    return Number.parseInt(digits, 16);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    if (e !== undefined && e in simple) pushText(simple[e]!);
    else if (e === quote) pushText(e);
    else if (e === 'x') {
      bytes.push(hex(body.slice(i + 1, i + 3), 2));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const length = e === 'u' ? 4 : 8;
      const cp = hex(body.slice(i + 1, i + 1 + length), length);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        throw parseError(line, `invalid escape in ${quote}${body}${quote}`);
      pushText(String.fromCodePoint(cp));
      i += length;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const digits = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits) || Number.parseInt(digits, 8) > 255)
        throw parseError(line, `invalid escape in ${quote}${body}${quote}`);
      bytes.push(Number.parseInt(digits, 8));
      i += 2;
    } else {
      throw parseError(line, `invalid escape in ${quote}${body}${quote}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A number literal's value: an int, a float64, or an unsigned int beyond int64 that fails when used, as in Go. */
type NumberLiteral = Arg & { readonly type: 'literal' | 'overflow' };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Go's number constants (text/template/parse): an int unless the text has a
 * `.`, an exponent or `p` (and is no hexadecimal int), then a float64.
 */
function parseGoNumber(text: string, line: number): NumberLiteral {
  const bad = (): InvalidInputError => parseError(line, `bad number syntax: ${JSON.stringify(text)}`);
  if (/i$/.test(text)) throw parseError(line, `complex number ${text} is not supported`);
  const negative = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  if (/^0[xX][0-9A-Fa-f_]*[.pP]/.test(body))
    throw parseError(line, `hexadecimal floating-point number ${text} is not supported`);
  // underscores only between digits (or after a base prefix)
  if (/__|_$|^_|_\.|\._|_[eE]|[eE]_/.test(body)) throw bad();
  const clean = body.replaceAll('_', '');
  let magnitude: bigint | undefined;
  if (/^0[xX][0-9A-Fa-f]+$/.test(clean) || /^0[oO][0-7]+$/.test(clean) || /^0[bB][01]+$/.test(clean))
    magnitude = BigInt(clean.toLowerCase());
  else if (/^0[0-7]+$/.test(clean)) magnitude = BigInt(`0o${clean.slice(1)}`);
  else if (/^(?:0|[1-9][0-9]*)$/.test(clean)) magnitude = BigInt(clean);
  if (magnitude !== undefined) {
    const value = negative ? -magnitude : magnitude;
    if (value >= INT64_MIN && value <= INT64_MAX) return { type: 'literal', value };
    if (!/^[+-]/.test(text) && value <= UINT64_MAX) return { type: 'overflow', text };
    throw parseError(line, `integer overflow: ${JSON.stringify(text)}`);
  }
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(clean)) throw bad();
  // digits Go could not read as an int (`08`) are not a float either
  if (!/[.eE]/.test(clean)) throw parseError(line, `integer overflow: ${JSON.stringify(text)}`);
  const value = Number(clean);
  if (!Number.isFinite(value)) throw bad();
  return { type: 'literal', value: negative ? -value : value };
}

/* ----------------------------------------------------------------------------
 * AST and parser
 * ------------------------------------------------------------------------- */

type Arg =
  | { readonly type: 'dot' }
  | { readonly type: 'nil' }
  | { readonly type: 'literal'; readonly value: string | bigint | number | boolean }
  | { readonly type: 'overflow'; readonly text: string }
  | { readonly type: 'field'; readonly names: readonly string[] }
  | { readonly type: 'variable'; readonly name: string; readonly names: readonly string[] }
  | { readonly type: 'function'; readonly name: string }
  | { readonly type: 'pipe'; readonly pipe: Pipe }
  | { readonly type: 'chain'; readonly node: Arg; readonly names: readonly string[] };

interface Command {
  readonly args: readonly Arg[];
}

interface Pipe {
  readonly line: number;
  readonly decl: readonly string[];
  readonly isAssign: boolean;
  readonly commands: readonly Command[];
}

interface ControlNode {
  readonly type: 'if' | 'with' | 'range';
  readonly line: number;
  readonly pipe: Pipe;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}

type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly line: number; readonly pipe: Pipe }
  | ControlNode
  | { readonly type: 'template'; readonly line: number; readonly name: string; readonly pipe: Pipe | undefined }
  | { readonly type: 'break' | 'continue'; readonly line: number };

type Terminator = { readonly kind: 'end' | 'else' | 'eof'; readonly line: number; readonly chained?: 'if' | 'with' };

/** Functions known to the parser: Go's built-ins and sprig's `default` and `quote`; anything else fails to parse. */
const FUNCTIONS = new Set([
  'and',
  'or',
  'not',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'len',
  'index',
  'slice',
  'print',
  'printf',
  'println',
  'html',
  'js',
  'urlquery',
  'call',
  'default',
  'quote',
]);

const MAX_NESTING = 256;

/** Go's bytes.TrimSpace set (unicode.IsSpace). */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** parse.IsEmptyTree: a body of white space only, which a later definition may replace. */
const isEmptyBody = (nodes: readonly Node[]): boolean =>
  nodes.every((node) => node.type === 'text' && GO_SPACE.test(node.text));

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private depth = 0;
  /** The templates defined so far; `define` is allowed at the top level only. */
  readonly templates = new Map<string, readonly Node[]>();
  private topLevel = true;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): Node[] {
    const [nodes, terminator] = this.itemList();
    if (terminator.kind !== 'eof') throw parseError(terminator.line, `unexpected {{${terminator.kind}}}`);
    return nodes;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const token = this.tokens[this.pos]!;
    if (token.type !== 'eof') this.pos++;
    return token;
  }

  private peekNonSpace(): Token {
    while (this.peek().type === 'space') this.pos++;
    return this.peek();
  }

  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }

  private expect(type: TokenType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== type) throw this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Token, context: string): InvalidInputError {
    if (token.type === 'eof') return parseError(token.line, `unexpected EOF in ${context}`);
    if (token.type === 'rightDelim') return parseError(token.line, `unexpected "}}" in ${context}`);
    return parseError(token.line, `unexpected ${JSON.stringify(token.value)} in ${context}`);
  }

  private enter(line: number): void {
    if (++this.depth > MAX_NESTING) throw parseError(line, `nesting deeper than ${MAX_NESTING} levels`);
  }

  /** Nodes up to `{{end}}`, `{{else}}` or the end of the template. */
  private itemList(): [Node[], Terminator] {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.type === 'eof') return [nodes, { kind: 'eof', line: token.line }];
      if (token.type === 'text') {
        nodes.push({ type: 'text', text: token.value });
        continue;
      }
      // leftDelim
      const result = this.action();
      if (result === undefined) continue;
      if ('kind' in result) return [nodes, result];
      nodes.push(result);
    }
  }

  /** Everything below the top level is nested: no `define` there. */
  private nested<T>(parse: () => T): T {
    const topLevel = this.topLevel;
    this.topLevel = false;
    const result = parse();
    this.topLevel = topLevel;
    return result;
  }

  /** An action after `{{`; undefined for a definition, which adds no node where it stands. */
  private action(): Node | Terminator | undefined {
    const token = this.nextNonSpace();
    if (token.type === 'keyword') {
      switch (token.value) {
        case 'if':
        case 'with':
        case 'range':
          return this.control(token.value, token.line);
        case 'end':
          this.expect('rightDelim', 'end');
          return { kind: 'end', line: token.line };
        case 'else': {
          const next = this.peekNonSpace();
          if (next.type === 'keyword' && (next.value === 'if' || next.value === 'with')) {
            this.next();
            return { kind: 'else', line: token.line, chained: next.value };
          }
          this.expect('rightDelim', 'else');
          return { kind: 'else', line: token.line };
        }
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) throw parseError(token.line, `{{${token.value}}} outside {{range}}`);
          this.expect('rightDelim', token.value);
          return { type: token.value, line: token.line };
        case 'define':
          if (!this.topLevel) throw parseError(token.line, '{{define}} is allowed only at the top level');
          this.definition(token.line);
          return undefined;
        case 'template':
          return this.templateCall(token.line);
        case 'block':
          return this.block(token.line);
      }
    }
    this.pos--;
    return { type: 'action', line: token.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private templateName(context: string): string {
    const token = this.nextNonSpace();
    if (token.type !== 'string') throw this.unexpected(token, context);
    return token.value;
  }

  /** A template body (of `define` or `block`): its own variables (only `$`), no enclosing range. */
  private body(context: string, line: number): Node[] {
    const { vars, rangeDepth } = this;
    this.vars = ['$'];
    this.rangeDepth = 0;
    this.enter(line);
    const [nodes, end] = this.nested(() => this.itemList());
    if (end.kind === 'eof') throw parseError(end.line, `unexpected EOF: {{${context}}} at line ${line} has no {{end}}`);
    if (end.kind !== 'end') throw parseError(end.line, `unexpected {{else}} in ${context} clause`);
    this.depth--;
    this.vars = vars;
    this.rangeDepth = rangeDepth;
    return nodes;
  }

  /** Adds a template as Go's parser does: an empty body never replaces another, two non-empty ones conflict. */
  private define(name: string, nodes: Node[], line: number): void {
    const existing = this.templates.get(name);
    if (existing === undefined || isEmptyBody(existing)) this.templates.set(name, nodes);
    else if (!isEmptyBody(nodes)) throw parseError(line, `multiple definition of template ${JSON.stringify(name)}`);
  }

  private definition(line: number): void {
    const name = this.templateName('define clause');
    this.expect('rightDelim', 'define clause');
    this.define(name, this.body('define', line), line);
  }

  private templateCall(line: number): Node {
    const name = this.templateName('template clause');
    if (this.peekNonSpace().type === 'rightDelim') {
      this.next();
      return { type: 'template', line, name, pipe: undefined };
    }
    return { type: 'template', line, name, pipe: this.pipeline('template clause', 'rightDelim') };
  }

  /** `{{block "name" pipeline}}body{{end}}`: defines the template and calls it in place. */
  private block(line: number): Node {
    const name = this.templateName('block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    this.define(name, this.body('block', line), line);
    return { type: 'template', line, name, pipe };
  }

  private control(context: 'if' | 'with' | 'range', line: number): Node {
    this.enter(line);
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'rightDelim');
    if (context === 'range') this.rangeDepth++;
    const [list, terminator] = this.nested(() => this.itemList());
    if (context === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (terminator.kind === 'eof')
      throw parseError(terminator.line, `unexpected EOF: {{${context}}} at line ${line} has no {{end}}`);
    if (terminator.kind === 'else') {
      const { chained } = terminator;
      if (chained !== undefined) {
        if (chained !== context) {
          throw parseError(terminator.line, `{{else ${chained}}} is not allowed in {{${context}}}`);
        }
        // {{else if p}} is {{else}}{{if p}}...{{end}}{{end}} sharing one {{end}}
        elseList = [this.nested(() => this.control(chained, terminator.line))];
      } else {
        const [nodes, end] = this.nested(() => this.itemList());
        if (end.kind !== 'end') {
          const message =
            end.kind === 'eof'
              ? `unexpected EOF: {{${context}}} at line ${line} has no {{end}}`
              : 'expected {{end}}, found {{else}}';
          throw parseError(end.line, message);
        }
        elseList = nodes;
      }
    }
    this.vars.length = mark;
    this.depth--;
    return { type: context, line, pipe, list, elseList };
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const line = this.peekNonSpace().line;
    const decl: string[] = [];
    let isAssign = false;
    for (;;) {
      const token = this.peekNonSpace();
      if (token.type !== 'variable') break;
      const save = this.pos;
      this.next();
      const after = this.peekNonSpace();
      if (after.type === 'declare' || after.type === 'assign') {
        this.next();
        isAssign = after.type === 'assign';
        decl.push(token.value);
        break;
      }
      if (after.type === 'comma') {
        this.next();
        decl.push(token.value);
        if (context !== 'range' || decl.length > 1) throw parseError(token.line, `too many declarations in ${context}`);
        if (this.peekNonSpace().type !== 'variable')
          throw parseError(token.line, 'range can only initialize variables');
        continue;
      }
      this.pos = save;
      break;
    }
    if (decl.length > 0 && !isAssign && this.tokens[this.pos - 1]?.type !== 'declare') {
      throw parseError(line, `expected := after ${decl.join(', ')}`);
    }
    // As in Go, the names are known from here on, even in this pipeline and even
    // for an assignment: `{{$x := $x}}` and `{{$y = 1}}` with no such variable
    // fail when executed, not here.
    this.vars.push(...decl);

    const commands: Command[] = [];
    for (;;) {
      const token = this.peekNonSpace();
      if (token.type === end) {
        this.next();
        break;
      }
      if (commands.length > 0) {
        if (token.type !== 'pipe') throw this.unexpected(token, context);
        this.next();
        if (this.peekNonSpace().type === end) throw parseError(token.line, `missing command after "|" in ${context}`);
      }
      const start = this.peekNonSpace();
      if (
        !['bool', 'char', 'dot', 'field', 'identifier', 'number', 'nil', 'string', 'variable', 'leftParen'].includes(
          start.type,
        )
      ) {
        throw this.unexpected(start, context);
      }
      commands.push(this.command(end));
    }
    if (commands.length === 0) throw parseError(line, `missing value for ${context}`);
    commands.slice(1).forEach((command, i) => {
      const first = command.args[0]!;
      if (first.type === 'dot' || first.type === 'nil' || first.type === 'literal' || first.type === 'overflow') {
        throw parseError(line, `non executable command in pipeline stage ${i + 2}`);
      }
    });
    return { line, decl, isAssign, commands };
  }

  private command(end: 'rightDelim' | 'rightParen'): Command {
    const args: Arg[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand === undefined) break;
      args.push(operand);
      const token = this.peek();
      if (token.type === 'space') continue;
      if (token.type === end || token.type === 'pipe') break;
      throw this.unexpected(token, 'operand');
    }
    if (args.length === 0) throw parseError(this.peek().line, 'empty command');
    return { args };
  }

  private operand(): Arg | undefined {
    const term = this.term();
    if (term === undefined) return undefined;
    if (this.peek().type !== 'field') return term;
    const names: string[] = [];
    while (this.peek().type === 'field') names.push(this.next().value);
    switch (term.type) {
      case 'field':
        return { type: 'field', names: [...term.names, ...names] };
      case 'variable':
        return { type: 'variable', name: term.name, names: [...term.names, ...names] };
      case 'dot':
      case 'nil':
      case 'literal':
      case 'overflow':
        throw parseError(this.peek().line, `unexpected . after term`);
      default:
        return { type: 'chain', node: term, names };
    }
  }

  private term(): Arg | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'identifier':
        if (!FUNCTIONS.has(token.value))
          throw parseError(token.line, `function ${JSON.stringify(token.value)} is not supported`);
        return { type: 'function', name: token.value };
      case 'dot':
        return { type: 'dot' };
      case 'nil':
        return { type: 'nil' };
      case 'variable':
        if (!this.vars.includes(token.value))
          throw parseError(token.line, `undefined variable ${JSON.stringify(token.value)}`);
        return { type: 'variable', name: token.value, names: [] };
      case 'field':
        return { type: 'field', names: [token.value] };
      case 'bool':
        return { type: 'literal', value: token.value === 'true' };
      case 'char':
        return { type: 'literal', value: BigInt(token.value) };
      case 'number':
        return parseGoNumber(token.value, token.line);
      case 'string':
        return { type: 'literal', value: token.value };
      case 'leftParen': {
        this.enter(token.line);
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.depth--;
        return { type: 'pipe', pipe };
      }
      case 'keyword':
        throw parseError(token.line, `unexpected {{${token.value}}} in operand`);
      default:
        this.pos--;
        return undefined;
    }
  }
}

/* ----------------------------------------------------------------------------
 * Variables a template uses
 * ------------------------------------------------------------------------- */

/** What `.` and `$` are where keys are collected: the template's data, or something inside it. */
interface Scope {
  readonly dotIsRoot: boolean;
  readonly dollarIsRoot: boolean;
}

class KeyCollector {
  readonly keys = new Set<string>();
  private readonly templates: ReadonlyMap<string, readonly Node[]>;
  /** Templates already read with the root as their dot (a recursive template is read once). */
  private readonly visited = new Set<string>();

  constructor(templates: ReadonlyMap<string, readonly Node[]>) {
    this.templates = templates;
  }

  nodes(nodes: readonly Node[], scope: Scope): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'action':
          this.pipe(node.pipe, scope);
          break;
        case 'if':
        case 'with':
        case 'range':
          this.pipe(node.pipe, scope);
          this.nodes(node.list, node.type === 'if' ? scope : { ...scope, dotIsRoot: false });
          if (node.elseList) this.nodes(node.elseList, scope);
          break;
        case 'template': {
          if (node.pipe) this.pipe(node.pipe, scope);
          const body = this.templates.get(node.name);
          if (body && this.passesRoot(node.pipe, scope) && !this.visited.has(node.name)) {
            this.visited.add(node.name);
            this.nodes(body, { dotIsRoot: true, dollarIsRoot: true });
          }
          break;
        }
        default:
          break;
      }
    }
  }

  /** Whether a template call passes the root as the called template's dot (`.` at the root, or `$`). */
  private passesRoot(pipe: Pipe | undefined, scope: Scope): boolean {
    const only = pipe?.commands.length === 1 && pipe.decl.length === 0 ? pipe.commands[0]!.args : [];
    const [arg] = only;
    if (only.length !== 1 || arg === undefined) return false;
    if (arg.type === 'dot') return scope.dotIsRoot;
    return arg.type === 'variable' && arg.name === '$' && arg.names.length === 0 && scope.dollarIsRoot;
  }

  private pipe(pipe: Pipe, scope: Scope): void {
    for (const command of pipe.commands) {
      const [first, second, third] = command.args;
      // index . "key" / index $ "key"
      const rootArg =
        (second?.type === 'dot' && scope.dotIsRoot) ||
        (second?.type === 'variable' && second.name === '$' && second.names.length === 0 && scope.dollarIsRoot);
      if (
        first?.type === 'function' &&
        first.name === 'index' &&
        rootArg &&
        third?.type === 'literal' &&
        typeof third.value === 'string'
      ) {
        this.keys.add(third.value);
      }
      for (const arg of command.args) this.arg(arg, scope);
    }
  }

  private arg(arg: Arg, scope: Scope): void {
    switch (arg.type) {
      case 'field':
        if (scope.dotIsRoot) this.keys.add(arg.names[0]!);
        break;
      case 'variable':
        if (arg.name === '$' && arg.names.length > 0 && scope.dollarIsRoot) this.keys.add(arg.names[0]!);
        break;
      case 'pipe':
        this.pipe(arg.pipe, scope);
        break;
      case 'chain':
        this.arg(arg.node, scope);
        break;
      default:
        break;
    }
  }
}

/* ----------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------- */

/** A key the data does not have; recorded as missing only when something consumes it. */
class Missing {
  readonly paths: readonly string[];
  constructor(paths: readonly string[]) {
    this.paths = paths;
  }
}

/** The result of an operation that consumed a missing key (already recorded). */
const POISON = new Missing([]);

/** A value and, when it came from the data, its dotted path (for missing-key names). */
interface Val {
  readonly value: unknown;
  readonly path: string | undefined;
}

const val = (value: unknown, path?: string): Val => ({ value, path });

const isMap = (value: unknown): value is Record<string, unknown> => kindOf(value) === 'map';

/** Go's truth: false, 0, null, and empty strings, lists and maps are false (NaN is true). */
function truthy(value: unknown): boolean {
  switch (kindOf(value)) {
    case 'nil':
      return false;
    case 'bool':
      return value as boolean;
    case 'int':
      return value !== 0n;
    case 'float':
      return value !== 0;
    case 'string':
      return (value as string).length > 0;
    case 'list':
      return (value as unknown[]).length > 0;
    case 'map':
      return Object.keys(value as object).length > 0;
    default:
      return true;
  }
}

/** Go orders strings by their UTF-8 bytes (map keys in `range`, `lt` on strings). */
const compareUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const joinPath = (base: string | undefined, name: string): string => (base ? `${base}.${name}` : name);

/** `a.b` for identifier-like keys, `a["b-c"]` for the rest. */
const keyPath = (base: string | undefined, key: string): string =>
  /^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(key) ? joinPath(base, key) : `${base ?? ''}[${JSON.stringify(key)}]`;

/* ----------------------------------------------------------------------------
 * Executor
 * ------------------------------------------------------------------------- */

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

interface Variable {
  readonly name: string;
  value: Val;
}

class Executor {
  private readonly limits: TemplateLimits;
  private readonly templates: ReadonlyMap<string, readonly Node[]>;
  private readonly missing = new Set<string>();
  private readonly out: string[] = [];
  private outLength = 0;
  private steps = 0;
  private line = 1;
  private depth = 0;
  private vars: Variable[] = [];

  constructor(limits: TemplateLimits, templates: ReadonlyMap<string, readonly Node[]>) {
    this.limits = limits;
    this.templates = templates;
  }

  run(nodes: readonly Node[], data: Readonly<Record<string, unknown>>): string {
    const root = val(data, '');
    this.vars = [{ name: '$', value: root }];
    try {
      this.walk(nodes, root);
    } catch (error) {
      // template calls within deeply nested actions can exhaust the stack before MAX_TEMPLATE_DEPTH
      if (error instanceof RangeError && /call stack/.test(error.message))
        throw this.fail('template calls nest too deeply for the available stack');
      throw error;
    }
    if (this.missing.size > 0) {
      throw new InvalidInputError(`template validate err: missing keys [${[...this.missing].join(' ')}]`);
    }
    return this.out.join('');
  }

  private fail(message: string): InvalidInputError {
    return new InvalidInputError(`template: line ${this.line}: ${message}`);
  }

  private step(): void {
    if (++this.steps > this.limits.maxSteps) throw this.fail(`execution exceeds ${this.limits.maxSteps} steps`);
  }

  private emit(text: string): void {
    this.outLength += text.length;
    if (this.outLength > this.limits.maxOutputLength) {
      throw new InvalidInputError(`template: rendered output exceeds ${this.limits.maxOutputLength} characters`);
    }
    this.out.push(text);
  }

  /** Marks a missing value as consumed; returns whether it was missing. */
  private consume(value: unknown): value is Missing {
    if (!(value instanceof Missing)) return false;
    for (const path of value.paths) this.missing.add(path);
    return true;
  }

  private walk(nodes: readonly Node[], dot: Val): void {
    for (const node of nodes) {
      this.step();
      switch (node.type) {
        case 'text':
          this.emit(node.text);
          break;
        case 'action': {
          this.line = node.line;
          const result = this.pipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0 && !this.consume(result.value)) this.emit(formatValue(result.value));
          break;
        }
        case 'if':
        case 'with': {
          this.line = node.line;
          const mark = this.vars.length;
          const result = this.pipeline(dot, node.pipe);
          const truth = !this.consume(result.value) && truthy(result.value);
          if (truth) this.walk(node.list, node.type === 'with' ? result : dot);
          else if (node.elseList) this.walk(node.elseList, dot);
          this.vars.length = mark;
          break;
        }
        case 'range':
          this.range(node, dot);
          break;
        case 'template':
          this.callTemplate(node.name, node.pipe, node.line, dot);
          break;
        case 'break':
          throw BREAK;
        case 'continue':
          throw CONTINUE;
      }
    }
  }

  /** `{{template "name" pipeline}}`: the template runs with the pipeline's value as its dot and `$`, and no other variables. */
  private callTemplate(name: string, pipe: Pipe | undefined, line: number, dot: Val): void {
    this.line = line;
    const body = this.templates.get(name);
    if (body === undefined) throw this.fail(`template ${JSON.stringify(name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH) throw this.fail(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const value = pipe ? this.pipeline(dot, pipe) : val(null);
    if (this.consume(value.value)) return;
    const vars = this.vars;
    this.vars = [{ name: '$', value }];
    this.depth++;
    this.walk(body, value);
    this.depth--;
    this.vars = vars;
  }

  private range(node: ControlNode, dot: Val): void {
    this.line = node.line;
    const mark = this.vars.length;
    const result = this.pipeline(dot, node.pipe);
    const decl = node.pipe.decl;
    let iterations = 0;
    for (const [key, element] of this.iterate(result, decl.length)) {
      this.step();
      iterations++;
      // the pipeline pushed the declared variables; each iteration updates them
      if (decl.length === 1) this.setVariable(decl[0]!, element);
      if (decl.length === 2) {
        this.setVariable(decl[0]!, key);
        this.setVariable(decl[1]!, element);
      }
      const inner = this.vars.length;
      try {
        this.walk(node.list, element);
      } catch (signal) {
        if (signal === BREAK) {
          this.vars.length = inner;
          break;
        }
        if (signal !== CONTINUE) throw signal;
      }
      this.vars.length = inner;
    }
    if (iterations === 0 && node.elseList) this.walk(node.elseList, dot);
    this.vars.length = mark;
  }

  /** [key, element] pairs of a range: list indexes, map keys in order, or 0..n-1 for an int. */
  private *iterate({ value, path }: Val, variables: number): Generator<[Val, Val]> {
    if (this.consume(value)) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) yield [val(BigInt(i)), val(value[i], `${path ?? ''}[${i}]`)];
    } else if (isMap(value)) {
      for (const key of Object.keys(value).sort(compareUtf8)) yield [val(key), val(value[key], keyPath(path, key))];
    } else if (typeof value === 'bigint') {
      if (variables > 1) throw this.fail(`can't use ${value} to iterate over more than one variable`);
      for (let i = 0n; i < value; i++) yield [val(i), val(i)];
    } else if (kindOf(value) !== 'nil') {
      // null iterates nothing, as in Go
      throw this.fail(`range can't iterate over ${formatValue(value)}`);
    }
  }

  /** Updates the nearest variable of that name. */
  private setVariable(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i]!;
      if (variable.name === name) {
        variable.value = value;
        return;
      }
    }
    throw this.fail(`undefined variable ${JSON.stringify(name)}`);
  }

  private lookup(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i]!;
      if (variable.name === name) return variable.value;
    }
    throw this.fail(`undefined variable ${JSON.stringify(name)}`);
  }

  private pipeline(dot: Val, pipe: Pipe): Val {
    this.line = pipe.line;
    let result: Val | undefined;
    for (const command of pipe.commands) result = this.command(dot, command, result);
    const value = result ?? val(null);
    for (const name of pipe.decl) {
      this.consume(value.value);
      if (pipe.isAssign) this.setVariable(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private command(dot: Val, command: Command, final: Val | undefined): Val {
    const [first, ...rest] = command.args as [Arg, ...Arg[]];
    if (first.type === 'function') return this.call(first.name, dot, rest, final);
    if (rest.length > 0 || final !== undefined) {
      const what =
        first.type === 'field' ? `.${first.names.join('.')}` : first.type === 'variable' ? first.name : 'a value';
      throw this.fail(`${what} is not a function and cannot take arguments`);
    }
    if (first.type === 'nil') throw this.fail('nil is not a command');
    return this.arg(dot, first);
  }

  private arg(dot: Val, arg: Arg): Val {
    switch (arg.type) {
      case 'dot':
        return dot;
      case 'nil':
        return val(null);
      case 'literal':
        return val(arg.value);
      case 'overflow':
        throw this.fail(`${arg.text} overflows int`);
      case 'field':
        return this.fields(dot, arg.names);
      case 'variable':
        return this.fields(this.lookup(arg.name), arg.names);
      case 'function':
        return this.call(arg.name, dot, [], undefined);
      case 'pipe':
        return this.pipeline(dot, arg.pipe);
      case 'chain':
        return this.fields(this.arg(dot, arg.node), arg.names);
    }
  }

  private fields(base: Val, names: readonly string[]): Val {
    let current = base;
    for (const name of names) {
      const { value, path } = current;
      const fieldPath = joinPath(path, name);
      if (value instanceof Missing) return current;
      if (value === null || value === undefined) return val(new Missing([fieldPath]));
      if (!isMap(value))
        throw this.fail(`can't evaluate field ${name} of ${path ? `${path}, ` : ''}which is ${describe(value)}`);
      if (!Object.hasOwn(value, name)) return val(new Missing([fieldPath]));
      current = val(value[name], fieldPath);
    }
    return current;
  }

  private call(name: string, dot: Val, argNodes: readonly Arg[], final: Val | undefined): Val {
    this.step();
    // and/or evaluate their arguments lazily, stopping at the first that decides
    if (name === 'and' || name === 'or') {
      const count = argNodes.length + (final ? 1 : 0);
      if (count === 0) throw this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
      let last: Val = val(null);
      for (let i = 0; i < count; i++) {
        last = i < argNodes.length ? this.arg(dot, argNodes[i]!) : final!;
        const truth = !this.consume(last.value) && truthy(last.value);
        if (truth === (name === 'or')) return last;
      }
      return last;
    }
    const args = argNodes.map((node) => this.arg(dot, node));
    if (final) args.push(final);
    if (name === 'default') {
      if (args.length === 0) throw this.fail('wrong number of args for default: want at least 1 got 0');
      const [fallback, given] = args as [Val, Val | undefined];
      const empty = given === undefined || given.value instanceof Missing || !truthy(given.value);
      return empty ? fallback : given;
    }
    if (args.some((arg) => arg.value instanceof Missing)) {
      for (const arg of args) this.consume(arg.value);
      return val(POISON);
    }
    try {
      return callBuiltin(name, args);
    } catch (error) {
      if (error instanceof BuiltinError || error instanceof FormatError)
        throw this.fail(`error calling ${name}: ${error.message}`);
      throw error;
    }
  }
}

/* ----------------------------------------------------------------------------
 * Built-in functions
 * ------------------------------------------------------------------------- */

class BuiltinError extends Error {}

const arity = (name: string, args: readonly Val[], min: number, max = min): void => {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new BuiltinError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
  }
};

/** text/template's evalArgs, the text `html`, `js` and `urlquery` escape: a lone string, or the args printed. */
const argsText = (values: readonly unknown[]): string =>
  values.length === 1 && typeof values[0] === 'string' ? values[0] : sprint(values);

function callBuiltin(name: string, args: Val[]): Val {
  const values = args.map((arg) => arg.value);
  switch (name) {
    case 'not':
      arity(name, args, 1);
      return val(!truthy(values[0]));
    case 'eq': {
      if (args.length < 2) throw new BuiltinError('missing argument for comparison');
      const [first, ...others] = values;
      return val(others.some((other) => equal(first, other)));
    }
    case 'ne':
      arity(name, args, 2);
      return val(!equal(values[0], values[1]));
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      arity(name, args, 2);
      const [a, b] = values as [unknown, unknown];
      const less = lessThan(a, b);
      // as Go: le is lt or eq, gt is not le, ge is not lt
      if (name === 'lt') return val(less);
      if (name === 'ge') return val(!less);
      const lessOrEqual = less || equal(a, b);
      return val(name === 'le' ? lessOrEqual : !lessOrEqual);
    }
    case 'len': {
      arity(name, args, 1);
      const v = values[0];
      switch (kindOf(v)) {
        case 'string':
          return val(BigInt(Buffer.byteLength(v as string, 'utf8')));
        case 'list':
          return val(BigInt((v as unknown[]).length));
        case 'map':
          return val(BigInt(Object.keys(v as object).length));
        default:
          throw new BuiltinError(`len of ${describe(v)}`);
      }
    }
    case 'index':
      arity(name, args, 1, Infinity);
      return index(args[0]!, args.slice(1));
    case 'slice':
      arity(name, args, 1, Infinity);
      return val(slice(values[0], values.slice(1)));
    case 'print':
      return val(sprint(values));
    case 'println':
      return val(sprintln(values));
    case 'printf': {
      arity(name, args, 1, Infinity);
      if (typeof values[0] !== 'string') throw new BuiltinError(`format must be a string, got ${describe(values[0])}`);
      return val(sprintf(values[0], values.slice(1)));
    }
    case 'html':
      return val(htmlEscape(argsText(values)));
    case 'js':
      return val(jsEscape(argsText(values)));
    case 'urlquery':
      return val(queryEscape(argsText(values)));
    case 'call':
      // template data holds no functions, so there is never anything to call
      arity(name, args, 1, Infinity);
      throw new BuiltinError(`cannot call ${describe(values[0])}: not a function`);
    case 'quote':
      return val(
        values
          .filter((v) => v !== null && v !== undefined)
          .map((v) => goQuote(formatValue(v)))
          .join(' '),
      );
    default:
      throw new BuiltinError(`function ${JSON.stringify(name)} is not supported`);
  }
}

const incompatible = (a: unknown, b: unknown): BuiltinError =>
  new BuiltinError(`incompatible types for comparison: ${kindOf(a)} and ${kindOf(b)}`);

const isBasic = (kind: string): boolean => kind === 'bool' || kind === 'int' || kind === 'float' || kind === 'string';

/** Go's eq for two values: basic kinds compare within a kind, null equals only null, the rest is not comparable. */
function equal(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (isBasic(ka) && isBasic(kb)) {
    if (ka !== kb) throw incompatible(a, b);
    return a === b;
  }
  if (ka !== kb) throw incompatible(a, b);
  throw new BuiltinError(`non-comparable type ${ka}`);
}

/** Go's lt: ints, floats or strings (by their bytes), both of one kind. */
function lessThan(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const ordered = (kind: string): boolean => kind === 'int' || kind === 'float' || kind === 'string';
  if (!ordered(ka) || !ordered(kb)) throw new BuiltinError('invalid type for comparison');
  if (ka !== kb) throw incompatible(a, b);
  if (ka === 'string') return compareUtf8(a as string, b as string) < 0;
  return (a as number | bigint) < (b as number | bigint);
}

/** An index argument: an int within [0, limit]. */
function indexArgument(key: unknown, limit: number): number {
  if (typeof key !== 'bigint') throw new BuiltinError(`cannot index a list or string with ${describe(key)}`);
  if (key < 0n || key > BigInt(limit)) throw new BuiltinError(`index out of range: ${key}`);
  return Number(key);
}

function index(item: Val, keys: readonly Val[]): Val {
  let current = item;
  for (const key of keys) {
    const { value, path } = current;
    const k = key.value;
    if (Array.isArray(value) || typeof value === 'string') {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : undefined;
      const length = bytes ? bytes.length : (value as unknown[]).length;
      const i = indexArgument(k, length);
      if (i === length) throw new BuiltinError(`index out of range: ${i}`);
      current = bytes ? val(BigInt(bytes[i]!)) : val((value as unknown[])[i], `${path ?? ''}[${i}]`);
    } else if (isMap(value)) {
      if (typeof k !== 'string') throw new BuiltinError(`cannot index a map with ${describe(k)}`);
      if (!Object.hasOwn(value, k)) return val(new Missing([keyPath(path, k)]));
      current = val(value[k], keyPath(path, k));
    } else if ((value === null || value === undefined) && path !== undefined) {
      // a null from the data: what it lacks is a missing key, as for a field of null
      return val(new Missing([`${path}[${typeof k === 'string' ? JSON.stringify(k) : formatValue(k)}]`]));
    } else {
      throw new BuiltinError(`can't index ${describe(value)}`);
    }
  }
  return current;
}

/** Go's slice: `slice x 1 2` is x[1:2]; strings by bytes, 3 indexes for lists only. */
function slice(item: unknown, bounds: readonly unknown[]): unknown {
  if (item === null || item === undefined) throw new BuiltinError('slice of null');
  if (bounds.length > 3) throw new BuiltinError(`too many slice indexes: ${bounds.length}`);
  const isString = typeof item === 'string';
  if (isString && bounds.length === 3) throw new BuiltinError('cannot 3-index slice a string');
  if (!isString && !Array.isArray(item)) throw new BuiltinError(`can't slice item of type ${kindOf(item)}`);
  const bytes = isString ? Buffer.from(item, 'utf8') : undefined;
  const length = bytes ? bytes.length : (item as unknown[]).length;
  const [low = 0, high = length, max] = bounds.map((bound) => indexArgument(bound, length));
  if (low > high) throw new BuiltinError(`invalid slice index: ${low} > ${high}`);
  if (max !== undefined && high > max) throw new BuiltinError(`invalid slice index: ${high} > ${max}`);
  return bytes ? bytes.subarray(low, high).toString('utf8') : (item as unknown[]).slice(low, high);
}
