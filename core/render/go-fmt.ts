/**
 * Go's `fmt`, `strconv` and `text/template` escapers for template values, as
 * Go 1.26 prints them, on the data model of `go-data.ts` (a bigint is a Go
 * int, a number a float64). Where Berth prints differently on purpose (null,
 * maps and lists, a verb given the wrong type) the choice is Berth's and is
 * listed in `docs/decisions.md`; everything else is Go's output byte for byte.
 */
import { InvalidInputError } from '../errors.ts';

/** The kinds of value template data holds: Go's basic kinds, `[]interface{}` and maps. */
export type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'list' | 'map' | 'other';

export function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'object':
      return Array.isArray(value) ? 'list' : 'map';
    default:
      return 'other';
  }
}

/** A value for messages: its kind and, for a scalar, the value as Go prints it. */
export function describe(value: unknown): string {
  const kind = kindOf(value);
  switch (kind) {
    case 'nil':
      return 'null';
    case 'list':
      return 'a list';
    case 'map':
      return 'a map';
    case 'other':
      return typeof value;
    case 'string':
      return `string ${JSON.stringify(value)}`;
    default:
      return `${kind} ${formatValue(value)}`;
  }
}

/** A formatting failure (wrong verb for a value, missing argument, ...); the caller names the function. */
export class FormatError extends Error {}

/* ----------------------------------------------------------------------------
 * Printing values (%v, print, the output of an action)
 * ------------------------------------------------------------------------- */

/**
 * How a value prints: Go's `%v` for scalars; null prints as nothing and maps
 * and lists as compact JSON (Berth's choices, see `docs/decisions.md`).
 */
export function formatValue(value: unknown): string {
  switch (kindOf(value)) {
    case 'nil':
      return '';
    case 'bool':
      return value ? 'true' : 'false';
    case 'int':
      return String(value);
    case 'float':
      return formatFloat(value as number, 'g', -1);
    case 'string':
      return value as string;
    case 'list':
    case 'map':
      return toJson(value);
    default:
      return String(value);
  }
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return rawJson(v.toString());
      return v === undefined ? null : v;
    });
  } catch {
    throw new InvalidInputError('template: a value cannot be printed (it contains itself)');
  }
}

/** fmt.Sprint: a space between two operands when neither is a string. */
export function sprint(values: readonly unknown[]): string {
  let out = '';
  values.forEach((value, i) => {
    if (i > 0 && typeof value !== 'string' && typeof values[i - 1] !== 'string') out += ' ';
    out += formatValue(value);
  });
  return out;
}

/** fmt.Sprintln: operands always separated by a space, then a newline. */
export function sprintln(values: readonly unknown[]): string {
  return `${values.map(formatValue).join(' ')}\n`;
}

/* ----------------------------------------------------------------------------
 * Floats: strconv.FormatFloat, exact
 * ------------------------------------------------------------------------- */

/** A non-negative decimal 0.d1d2d3... × 10^point, no trailing zeros (strconv's `decimal`). */
interface Decimal {
  readonly digits: string;
  readonly point: number;
}

/** The exact decimal value of a finite non-negative float64. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // x = mantissa × 2^exponent
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075;
  const digits =
    exponent >= 0 ? (mantissa << BigInt(exponent)).toString() : (mantissa * 5n ** BigInt(-exponent)).toString();
  const point = digits.length + Math.min(exponent, 0);
  return { digits: digits.replace(/0+$/, ''), point };
}

/** The shortest decimal that reads back as x (Go and JavaScript agree on it). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', point: 0 };
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  return { digits: mantissa.replace('.', '').replace(/0+$/, ''), point: Number(exponent) + 1 };
}

/** Keeps `count` digits, rounding half to even on an exact tie, as strconv does. */
function roundDecimal({ digits, point }: Decimal, count: number): Decimal {
  if (count < 0 || count >= digits.length) return { digits, point };
  const next = digits[count]!;
  const tie = next === '5' && count + 1 === digits.length;
  const up = tie ? count > 0 && Number(digits[count - 1]) % 2 === 1 : next >= '5';
  if (!up) {
    const kept = digits.slice(0, count).replace(/0+$/, '');
    return { digits: kept, point: kept === '' ? 0 : point };
  }
  let i = count - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return { digits: '1', point: point + 1 };
  return { digits: digits.slice(0, i) + String(Number(digits[i]) + 1), point };
}

function layoutE({ digits, point }: Decimal, precision: number, e: 'e' | 'E'): string {
  let out = digits[0] ?? '0';
  if (precision > 0) out += `.${digits.slice(1, precision + 1).padEnd(precision, '0')}`;
  const exponent = digits === '' ? 0 : point - 1;
  return `${out}${e}${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function layoutF({ digits, point }: Decimal, precision: number): string {
  let out = point > 0 ? digits.slice(0, point).padEnd(point, '0') : '0';
  if (precision > 0) {
    out += '.';
    for (let i = 1; i <= precision; i++) out += digits[point + i - 1] ?? '0';
  }
  return out;
}

/**
 * strconv.FormatFloat(x, verb, precision, 64) for verbs e E f g G; precision
 * -1 means the fewest digits that read back as x.
 */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const shortest = precision < 0;
  const abs = Math.abs(x);
  let decimal: Decimal;
  let digitsWanted = precision;
  if (shortest) {
    decimal = shortestDecimal(abs);
    if (verb === 'e' || verb === 'E') digitsWanted = Math.max(decimal.digits.length - 1, 0);
    else if (verb === 'f') digitsWanted = Math.max(decimal.digits.length - decimal.point, 0);
    else digitsWanted = decimal.digits.length;
  } else {
    const exact = exactDecimal(abs);
    if (verb === 'e' || verb === 'E') decimal = roundDecimal(exact, precision + 1);
    else if (verb === 'f') decimal = roundDecimal(exact, exact.point + precision);
    else {
      if (digitsWanted === 0) digitsWanted = 1;
      decimal = roundDecimal(exact, digitsWanted);
    }
  }
  if (verb === 'e' || verb === 'E') return sign + layoutE(decimal, digitsWanted, verb);
  if (verb === 'f') return sign + layoutF(decimal, digitsWanted);
  // %g: %e when the exponent is below -4 or at least the precision (6 for the shortest form)
  const count = decimal.digits.length;
  let exponentLimit = digitsWanted;
  if (exponentLimit > count && count >= decimal.point) exponentLimit = count;
  if (shortest) exponentLimit = 6;
  const exponent = decimal.point - 1;
  if (exponent < -4 || exponent >= exponentLimit) {
    const significant = Math.min(digitsWanted, count);
    return sign + layoutE(decimal, significant - 1, verb === 'g' ? 'e' : 'E');
  }
  const significant = digitsWanted > decimal.point ? count : digitsWanted;
  return sign + layoutF(decimal, Math.max(significant - decimal.point, 0));
}

/* ----------------------------------------------------------------------------
 * Quoting: strconv.Quote, QuoteToASCII, QuoteRune, CanBackquote
 * ------------------------------------------------------------------------- */

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const isPrintable = (ch: string): boolean => ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);

const QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

function quoteWith(text: string, quote: '"' | "'", asciiOnly: boolean): string {
  let out = quote;
  for (const ch of text.toWellFormed()) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote) out += `\\${quote}`;
    else if (ch in QUOTE_ESCAPES) out += QUOTE_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (isPrintable(ch) && (!asciiOnly || cp < 0x80)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** Go's `strconv.Quote` (what `%q` and sprig's `quote` produce). */
export const goQuote = (text: string): string => quoteWith(text, '"', false);

/** strconv.CanBackquote: no control character but tab, no backquote, no byte order mark. */
const canBackquote = (text: string): boolean =>
  [...text].every((ch) => {
    const cp = ch.codePointAt(0)!;
    return (cp >= 0x20 || ch === '\t') && ch !== '`' && cp !== 0x7f && cp !== 0xfeff;
  });

/* ----------------------------------------------------------------------------
 * Sprintf
 * ------------------------------------------------------------------------- */

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
}

const runeCount = (text: string): number => [...text].length;

/** fmt's pad: to the width in runes, zeros only on the left and only with the 0 flag. */
function pad(text: string, spec: Spec, zero = spec.zero): string {
  const missing = (spec.width ?? 0) - runeCount(text);
  if (missing <= 0) return text;
  if (spec.minus) return text + ' '.repeat(missing);
  return (zero ? '0' : ' ').repeat(missing) + text;
}

function formatInteger(n: bigint, base: 2 | 8 | 10 | 16, spec: Spec, verb: string): string {
  const negative = n < 0n;
  let digits = (negative ? -n : n).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let minDigits = 0;
  if (spec.precision !== undefined) {
    // a precision of 0 prints nothing for 0, padding only
    if (spec.precision === 0 && n === 0n) return pad('', spec, false);
    minDigits = spec.precision;
  } else if (spec.zero && !spec.minus && spec.width !== undefined) {
    minDigits = spec.width - (negative || spec.plus || spec.space ? 1 : 0);
  }
  digits = digits.padStart(minDigits, '0');
  if (spec.sharp) {
    if (base === 2) digits = `0b${digits}`;
    else if (base === 8 && !digits.startsWith('0')) digits = `0${digits}`;
    else if (base === 16) digits = `0${verb === 'X' ? 'X' : 'x'}${digits}`;
  }
  if (verb === 'O') digits = `0o${digits}`;
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + digits, spec, false);
}

const isRune = (n: bigint): boolean => n >= 0n && n <= 0x10ffffn && !(n >= 0xd800n && n <= 0xdfffn);

/** The character of a code point; U+FFFD for what is none, as Go's utf8.AppendRune. */
const runeOf = (n: bigint): string => (isRune(n) ? String.fromCodePoint(Number(n)) : '\ufffd');

function formatUnicode(n: bigint, spec: Spec): string {
  let text = `U+${(n < 0n ? BigInt.asUintN(64, n) : n)
    .toString(16)
    .toUpperCase()
    .padStart(Math.max(spec.precision ?? 4, 4), '0')}`;
  if (spec.sharp && isRune(n) && isPrintable(runeOf(n))) text += ` '${runeOf(n)}'`;
  return pad(text, spec, false);
}

function formatIntVerb(n: bigint, verb: string, spec: Spec): string | undefined {
  switch (verb) {
    case 'v':
    case 'd':
      return formatInteger(n, 10, spec, verb);
    case 'b':
      return formatInteger(n, 2, spec, verb);
    case 'o':
    case 'O':
      return formatInteger(n, 8, spec, verb);
    case 'x':
    case 'X':
      return formatInteger(n, 16, spec, verb);
    case 'c':
      return pad(runeOf(n), spec);
    case 'q':
      return pad(quoteWith(runeOf(n), "'", spec.plus), spec);
    case 'U':
      return formatUnicode(n, spec);
    default:
      return undefined;
  }
}

function formatFloatVerb(x: number, verb: string, spec: Spec): string | undefined {
  if (spec.sharp) throw new FormatError(`printf: the # flag is not supported with %${verb}`);
  let text: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      text = formatFloat(x, verb === 'G' ? 'G' : 'g', spec.precision ?? -1);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      text = formatFloat(x, verb === 'F' ? 'f' : (verb as 'e' | 'E' | 'f'), spec.precision ?? 6);
      break;
    default:
      return undefined;
  }
  if (/^[+-]?(Inf|NaN)$/.test(text)) {
    // NaN shows a sign only when one is asked for; neither is zero-padded
    if (text === 'NaN' && (spec.plus || spec.space)) text = `${spec.plus ? '+' : ' '}NaN`;
    else if (text === '+Inf' && !spec.plus && spec.space) text = ' Inf';
    return pad(text, spec, false);
  }
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  // zero padding goes between the sign and the digits
  if (sign !== '' && spec.zero && !spec.minus && spec.width !== undefined && spec.width > digits.length + 1) {
    return sign + '0'.repeat(spec.width - digits.length - 1) + digits;
  }
  return pad(sign + digits, spec);
}

function hexOfBytes(text: string, spec: Spec, upper: boolean): string {
  let bytes = Buffer.from(text, 'utf8');
  if (spec.precision !== undefined && spec.precision < bytes.length) bytes = bytes.subarray(0, spec.precision);
  const prefix = upper ? '0X' : '0x';
  const pairs = [...bytes].map((b) => {
    const hex = b.toString(16).padStart(2, '0');
    return upper ? hex.toUpperCase() : hex;
  });
  if (pairs.length === 0) return pad('', spec);
  const body = spec.space
    ? pairs.map((pair) => (spec.sharp ? prefix + pair : pair)).join(' ')
    : (spec.sharp ? prefix : '') + pairs.join('');
  return pad(body, spec);
}

function formatStringVerb(text: string, verb: string, spec: Spec): string | undefined {
  const truncated = spec.precision === undefined ? text : [...text].slice(0, spec.precision).join('');
  switch (verb) {
    case 'v':
    case 's':
      return pad(truncated, spec);
    case 'q':
      if (spec.sharp && canBackquote(truncated)) return pad(`\`${truncated}\``, spec);
      return pad(quoteWith(truncated, '"', spec.plus), spec);
    case 'x':
    case 'X':
      return hexOfBytes(text, spec, verb === 'X');
    default:
      return undefined;
  }
}

/** One verb applied to one argument; `undefined` when Go would print `%!verb(type=value)`. */
function formatArgument(arg: unknown, verb: string, spec: Spec): string | undefined {
  switch (kindOf(arg)) {
    case 'bool':
      return verb === 't' || verb === 'v' ? pad(arg ? 'true' : 'false', spec) : undefined;
    case 'int':
      return formatIntVerb(arg as bigint, verb, spec);
    case 'float':
      return formatFloatVerb(arg as number, verb, spec);
    case 'string':
      return formatStringVerb(arg as string, verb, spec);
    default:
      // null, maps and lists print with %v only, as everywhere (see formatValue)
      return verb === 'v' ? pad(formatValue(arg), spec) : undefined;
  }
}

/**
 * fmt.Sprintf: flags `+ - # 0 space`, width, precision, `*` and `[n]`
 * argument indexes, verbs `v s q d b o O x X c U e E f F g G t %`. Where Go
 * would print a `%!` marker (wrong type, missing or extra argument, bad index)
 * this throws a `FormatError` instead, so no marker reaches a manifest.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let next = 0;
  let reordered = false;
  const fail = (message: string): FormatError => new FormatError(`printf: ${message} in ${JSON.stringify(format)}`);
  /** `[n]` at i: the argument index it selects. */
  const argumentIndex = (i: number): [index: number, end: number] | undefined => {
    if (format[i] !== '[') return undefined;
    reordered = true;
    const close = format.indexOf(']', i);
    const n = Number(format.slice(i + 1, close));
    if (close === -1 || !/^\d+$/.test(format.slice(i + 1, close)) || n < 1 || n > args.length)
      throw fail(`bad argument index ${format.slice(i, close === -1 ? undefined : close + 1)}`);
    return [n - 1, close + 1];
  };
  const intArgument = (what: string): number => {
    const value = args[next++];
    if (typeof value !== 'bigint' || value > 1_000_000n || value < -1_000_000n) throw fail(`bad ${what} for *`);
    return Number(value);
  };
  const number = (i: number): [value: number | undefined, end: number] => {
    let j = i;
    while (j < format.length && format[j]! >= '0' && format[j]! <= '9') j++;
    return j === i ? [undefined, i] : [Number(format.slice(i, j)), j];
  };

  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = {
      minus: false,
      plus: false,
      sharp: false,
      space: false,
      zero: false,
      width: undefined,
      precision: undefined,
    };
    for (; i < format.length; i++) {
      const flag = format[i];
      if (flag === '#') spec.sharp = true;
      else if (flag === '0') spec.zero = !spec.minus;
      else if (flag === '+') spec.plus = true;
      else if (flag === '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (flag === ' ') spec.space = true;
      else break;
    }
    let indexed = argumentIndex(i);
    if (indexed) [next, i] = indexed;
    if (format[i] === '*') {
      i++;
      spec.width = intArgument('width');
      if (spec.width < 0) {
        spec.width = -spec.width;
        spec.minus = true;
        spec.zero = false;
      }
      indexed = undefined;
    } else {
      [spec.width, i] = number(i);
      if (indexed && spec.width !== undefined) throw fail('width after an argument index');
    }
    if (format[i] === '.' && i + 1 < format.length) {
      i++;
      if (indexed) throw fail('precision after an argument index');
      indexed = argumentIndex(i);
      if (indexed) [next, i] = indexed;
      if (format[i] === '*') {
        i++;
        spec.precision = intArgument('precision');
        if (spec.precision < 0) spec.precision = undefined;
        indexed = undefined;
      } else {
        [spec.precision, i] = number(i);
        spec.precision ??= 0;
      }
    }
    if (!indexed) {
      indexed = argumentIndex(i);
      if (indexed) [next, i] = indexed;
    }
    if (i >= format.length) throw fail('a verb is missing at the end');
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (verb === 'T' || verb === 'p') throw fail(`%${verb} (Go types and pointers) is not supported`);
    if (verb === 'v') {
      if (spec.sharp) throw fail('%#v (Go syntax) is not supported');
      // %+v adds field names to structs, which template data has none of; it is no sign flag
      spec.plus = false;
    }
    if (next >= args.length) throw fail(`argument missing for %${verb}`);
    const arg = args[next++];
    const text = formatArgument(arg, verb, spec);
    if (text === undefined) throw fail(`%${verb} cannot format ${describe(arg)}`);
    out += text;
  }
  if (!reordered && next < args.length) throw fail(`${args.length - next} extra argument(s)`);
  return out;
}

/* ----------------------------------------------------------------------------
 * The text/template escapers
 * ------------------------------------------------------------------------- */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '\0': '\ufffd',
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
};

/** template.HTMLEscapeString. */
export const htmlEscape = (text: string): string => text.replace(/[\0"'&<>]/g, (ch) => HTML_ESCAPES[ch]!);

const JS_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

/** template.JSEscapeString: quotes, `<>&=` and control characters escaped, non-printable runes as \uXXXX. */
export function jsEscape(text: string): string {
  let out = '';
  for (const ch of text.toWellFormed()) {
    const cp = ch.codePointAt(0)!;
    if (ch in JS_ESCAPES) out += JS_ESCAPES[ch];
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp < 0x80 || isPrintable(ch)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as `+`, every other byte as %XX. */
export function queryEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
