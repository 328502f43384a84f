/**
 * Service variables: Zadig's KeyVal (`ServiceVariableKV`), the typed values a
 * service template reads.
 *
 * A service declares typed variables (`ServiceVariable`); creating one from a
 * template, or running it in an environment, gives plain values
 * (`VariableValue`) that take the declared types. Berth keeps only the typed
 * list (Zadig also keeps a YAML text copy internally).
 *
 * Types:
 * - `string`: a string, number, boolean or null, used as given. A string stays
 *   a string: `"0755"` prints `0755` (Zadig's YAML round trip would print 493).
 *   A whole number is an int, any other a float64. Nested values need type `yaml`.
 * - `bool`: `true`/`false` (or the strings "true"/"false"), nothing else.
 * - `enum`: must be one of `options` (compared as text); the value becomes that option.
 * - `yaml`: a YAML text (or a JSON object/list) inserted as a node, so the
 *   template can read `.cfg.a` and print `{{.cfg}}` as a flow node; YAML text
 *   is typed by yaml.v2's rules (`go-data.ts`), as Zadig reads it.
 */
import { InvalidInputError } from '../errors.ts';
import { parseYamlValue } from '../yaml.ts';
import { goJsonValue, goYamlValue } from './go-data.ts';
import type { ServiceVariable, VariableValue } from './schemas.ts';

export { ServiceVariable, VariableKey, VariableType, VariableValue } from './schemas.ts';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const show = (value: unknown): string => {
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'an object';
  return JSON.stringify(value) ?? String(value);
};

/** A problem with one variable: its message and the input field it is about. */
interface Problem {
  readonly message: string;
  readonly field: string | undefined;
}

const fieldOf = (prefix: string | undefined, i: number): string | undefined =>
  prefix === undefined ? undefined : `${prefix}[${i}].value`;

function throwProblems(problems: readonly Problem[]): void {
  if (problems.length > 0) throw new InvalidInputError(problems.map((p) => p.message).join('; '), problems[0]!.field);
}

/** The variable with its value checked against its type and normalized; throws `InvalidInputError`. */
export function checkVariable(variable: ServiceVariable, field?: string): ServiceVariable {
  const { key, value, type, options } = variable;
  const fail = (message: string): InvalidInputError => new InvalidInputError(`variable "${key}" ${message}`, field);
  switch (type) {
    case 'string':
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw fail(`is of type string but its value is ${show(value)}; use type yaml for nested values`);
      }
      return variable;
    case 'bool':
      if (value === true || value === 'true') return { ...variable, value: true };
      if (value === false || value === 'false') return { ...variable, value: false };
      throw fail(`is of type bool: its value must be true or false, got ${show(value)}`);
    case 'enum': {
      if (options.length === 0) throw fail('is of type enum but has no options');
      const text = ['string', 'number', 'boolean'].includes(typeof value) ? String(value) : undefined;
      if (text === undefined || !options.includes(text)) {
        throw fail(`must be one of [${options.join(' ')}], got ${show(value)}`);
      }
      return { ...variable, value: text };
    }
    case 'yaml':
      if (typeof value === 'string') parseYamlValue(value, `variable "${key}"`, {}, field);
      else if (value !== null && typeof value !== 'object')
        throw fail(`is of type yaml: its value must be YAML text, got ${show(value)}`);
      return variable;
  }
}

/**
 * Checks a declared list: every value against its type, no key twice. All
 * problems are reported in one `InvalidInputError`; `field` (e.g.
 * `variables`) names the first one as `field[i].value`.
 */
export function checkVariables(variables: readonly ServiceVariable[], field?: string): ServiceVariable[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const checked = variables.map((variable, i) => {
    if (seen.has(variable.key)) {
      const keyField = field === undefined ? undefined : `${field}[${i}].key`;
      problems.push({ message: `variable "${variable.key}" is declared more than once`, field: keyField });
    }
    seen.add(variable.key);
    try {
      return checkVariable(variable, fieldOf(field, i));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push({ message: error.message, field: error.field });
      return variable;
    }
  });
  throwProblems(problems);
  return checked;
}

/**
 * The declared variables (keeping their type, options and desc, in their
 * order) followed by the keys the template uses but nobody declared, as
 * `string` variables with an empty value. Declared keys the template does not
 * use are kept.
 *
 * @example declareVariables([{ key: 'cpu', value: '1', type: 'string', options: [], desc: '' }], ['port', 'cpu'])
 * // cpu as declared, then { key: 'port', value: '', type: 'string', options: [], desc: '' }
 */
export function declareVariables(declared: readonly ServiceVariable[], used: readonly string[]): ServiceVariable[] {
  const keys = new Set(declared.map((variable) => variable.key));
  const discovered = [...new Set(used)]
    .filter((key) => !keys.has(key))
    .map((key): ServiceVariable => ({ key, value: '', type: 'string', options: [], desc: '' }));
  return [...declared, ...discovered];
}

/**
 * Gives declared variables new values: each keeps its declared type and is
 * checked against it. A value for an undeclared key is an error (naming every
 * such key) unless `unknownKeys: 'ignore'`.
 */
export function assignValues(
  declared: readonly ServiceVariable[],
  values: readonly VariableValue[],
  options: { readonly unknownKeys?: 'reject' | 'ignore'; readonly field?: string } = {},
): ServiceVariable[] {
  const byKey = new Map(values.map((entry, i) => [entry.key, { entry, i }] as const));
  const known = new Set(declared.map((variable) => variable.key));
  const unknown = values.filter((entry) => !known.has(entry.key)).map((entry) => entry.key);
  if (unknown.length > 0 && options.unknownKeys !== 'ignore') {
    throw new InvalidInputError(
      `no variable is declared for ${unknown.map((key) => `"${key}"`).join(', ')}`,
      options.field,
    );
  }
  const problems: Problem[] = [];
  const assigned = declared.map((variable) => {
    const given = byKey.get(variable.key);
    if (!given) return variable;
    try {
      return checkVariable({ ...variable, value: given.entry.value }, fieldOf(options.field, given.i));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push({ message: error.message, field: error.field });
      return variable;
    }
  });
  throwProblems(problems);
  return assigned;
}

/**
 * The data a template renders with: one top-level key per variable, typed as
 * described in the module comment (yaml values parsed into nodes), numbers
 * typed as Go's yaml.v2 would (`go-data.ts`).
 */
export function variablesToData(variables: readonly ServiceVariable[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const variable of checkVariables(variables)) {
    const { key, type, value: given } = variable;
    const value =
      type === 'yaml' && typeof given === 'string' ? goYamlValue(given, `variable "${key}"`) : goJsonValue(given);
    // defineProperty: a key named "__proto__" is data, not the prototype
    Object.defineProperty(data, key, { value: value ?? null, enumerable: true, writable: true, configurable: true });
  }
  return data;
}
