/**
 * Template data typed as Zadig's Go holds it: the variables YAML unmarshalled
 * by `gopkg.in/yaml.v2` into a `map[string]interface{}`. Go's types become
 * JavaScript ones this way:
 *
 * | yaml.v2 gives                | here       | example                          |
 * |------------------------------|------------|----------------------------------|
 * | `int`, `int64`, `uint64`     | `bigint`   | `8080`, `0755` (493), `0x1F`     |
 * | `float64`                    | `number`   | `1.0`, `1.5e10`, `08` (a float!) |
 * | `bool`, `string`, `nil`      | the same   | `yes`, `'007'`, `~`              |
 * | `[]interface{}`, maps        | arrays, objects with string keys |          |
 *
 * A plain scalar is resolved with yaml.v2's own rules (`resolve.go`): `y`/`n`
 * are booleans, `0o17` and `1_000` are ints, a number too large for a float64
 * stays a string, timestamps stay strings. Keys are always strings (Berth's
 * YAML reading, `core/yaml.ts`).
 */
import { InvalidInputError } from '../errors.ts';
import { parseYamlValue, type YamlLimits, type YamlSchemas } from '../yaml.ts';
import { type ScalarSchema, yaml11Schema } from '../yaml/construct.ts';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** yaml.v2's resolveMap: the plain scalars it reads by name. */
const NAMED_SCALARS = new Map<string, unknown>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((s) => [s, null] as const),
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);

/** strconv.ParseInt(text, 0, 64), then ParseUint: Go's integer literal forms, within int64 or uint64. */
function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, body = ''] = match;
  const magnitude = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body.toLowerCase());
  const value = sign === '-' ? -magnitude : magnitude;
  // ParseUint takes no sign, so beyond int64 only an unsigned literal is an int
  const fits = value >= INT64_MIN && (value < 2n ** 63n || (sign === '' && value <= UINT64_MAX));
  return fits ? value : undefined;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** yaml.v2's `resolve` for an untagged plain scalar. */
function resolvePlainScalar(text: string): unknown {
  if (NAMED_SCALARS.has(text)) return NAMED_SCALARS.get(text);
  const first = text[0] ?? '';
  if (first === '.') {
    const value = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
    return Number.isFinite(value) ? value : text;
  }
  if (!/[-+0-9]/.test(first)) return text;
  const plain = text.replaceAll('_', '');
  const int = parseGoInt(plain);
  if (int !== undefined) return int;
  if (YAML_STYLE_FLOAT.test(plain)) {
    // strconv.ParseFloat fails on overflow, and yaml.v2 then keeps the text
    const value = Number(plain);
    if (Number.isFinite(value)) return value;
  }
  return text;
}

const yaml11WithBigInts = yaml11Schema(true);
/** Every untagged plain scalar goes through yaml.v2's rules; explicit tags keep the YAML 1.1 ones. */
export const yamlV2Scalar: ScalarSchema = (text, tag) =>
  tag === undefined ? resolvePlainScalar(text) : yaml11WithBigInts(text, tag);
const YAML_V2_SCHEMAS: YamlSchemas = { '1.1': yamlV2Scalar, '1.2': yamlV2Scalar, version: '1.1' };

/** A YAML value typed as yaml.v2 types it, read within Berth's limits. */
export function goYamlValue(source: string, what: string, limits: Partial<YamlLimits> = {}, field?: string): unknown {
  return parseYamlValue(source, what, limits, field, YAML_V2_SCHEMAS);
}

/**
 * The data a template renders with, from a variables YAML mapping, as Zadig
 * builds it: an empty document is an empty mapping, anything but a mapping is
 * refused.
 *
 * @example templateData('port: 8080\nratio: 1.0') // { port: 8080n, ratio: 1 }
 */
export function templateData(source: string, what = 'variables'): Record<string, unknown> {
  const value = goYamlValue(source, what);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError(`${what}: must be a YAML mapping of variable names to values`);
  return value as Record<string, unknown>;
}

/**
 * A JSON value (a variable's value from a request) as template data: an
 * integral number within int64 is an int, any other number a float64.
 */
export function goJsonValue(value: unknown): unknown {
  if (typeof value === 'number') {
    const int = Number.isInteger(value) ? BigInt(value) : undefined;
    return int !== undefined && int >= INT64_MIN && int < 2n ** 63n ? int : value;
  }
  if (Array.isArray(value)) return value.map(goJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a key named "__proto__" is data, not the prototype
      Object.defineProperty(out, key, {
        value: goJsonValue(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
