import { createHash } from 'node:crypto';
import { InvalidInputError, field, text } from '../errors.ts';
import { parseYamlValue } from '../yaml.ts';

export type Values = Record<string, unknown>;

const isMap = (value: unknown): value is Values => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Zadig's (and Helm's) merge of values files: maps merge key by key,
 * recursively; everything else (scalars, lists) is replaced; the later
 * layer wins. Neither input is changed.
 *
 * @example mergeValues({ a: { b: 1, c: [1] } }, { a: { c: [2] } }) // { a: { b: 1, c: [2] } }
 */
export function mergeValues(...layers: readonly Values[]): Values {
  const merge = (base: Values, over: Values): Values => {
    const out: Values = { ...base };
    for (const [key, value] of Object.entries(over)) {
      const current = out[key];
      out[key] = isMap(current) && isMap(value) ? merge(current, value) : value;
    }
    return out;
  };
  return layers.reduce<Values>((merged, layer) => merge(merged, layer), {});
}

/** A values file as a map; empty text is no values. A list or scalar at the top is a 400 naming `fieldPath`. */
export function parseValues(yaml: string, fieldPath: string): Values {
  const value = parseYamlValue(yaml, fieldPath, {}, fieldPath);
  if (value === null) return {};
  if (!isMap(value)) throw new InvalidInputError(text`${field(fieldPath)}: must be a YAML mapping`, fieldPath);
  return value;
}

/**
 * Applies `--set` style overrides: `a.b.c` walks (and creates) maps,
 * `list[2]` indexes lists (growing them with nulls, as Helm does), `\.`
 * keeps a dot in a key. A string value is typed as Helm's `--set` types it
 * (`true`, `false`, `null`, integers); any other JSON value is set as given.
 *
 * @example setValues({}, [{ key: 'image.tag', value: 'v2' }, { key: 'ports[0]', value: '80' }])
 * // { image: { tag: 'v2' }, ports: [80] }
 */
export function setValues(
  values: Values,
  overrides: ReadonlyArray<{ key: string; value: unknown }>,
  fieldPath: string,
): Values {
  const root = structuredClone(values);
  overrides.forEach(({ key, value }, index) => {
    const path = parseSetKey(key, `${fieldPath}[${index}].key`);
    let node: Values | unknown[] = root;
    path.forEach((step, depth) => {
      const last = depth === path.length - 1;
      const nextIsIndex = !last && typeof path[depth + 1] === 'number';
      const fresh = () => (nextIsIndex ? [] : {});
      if (typeof step === 'number') {
        if (!Array.isArray(node))
          throw new InvalidInputError(
            text`${field(`${fieldPath}[${index}].key`)}: "${key}" indexes a value that is not a list`,
            `${fieldPath}[${index}].key`,
          );
        while (node.length <= step) node.push(null);
        if (last) node[step] = typedValue(value);
        else {
          if (!isMap(node[step]) && !Array.isArray(node[step])) node[step] = fresh();
          node = node[step] as Values | unknown[];
        }
        return;
      }
      if (Array.isArray(node))
        throw new InvalidInputError(
          text`${field(`${fieldPath}[${index}].key`)}: "${key}" names a key inside a list`,
          `${fieldPath}[${index}].key`,
        );
      if (last) node[step] = typedValue(value);
      else {
        const child = node[step];
        if (!(nextIsIndex ? Array.isArray(child) : isMap(child))) node[step] = fresh();
        node = node[step] as Values | unknown[];
      }
    });
  });
  return root;
}

const MAX_LIST_INDEX = 65_536;

function parseSetKey(key: string, fieldPath: string): Array<string | number> {
  const bad = (why: string) => new InvalidInputError(text`${field(fieldPath)}: "${key}" ${why}`, fieldPath);
  const path: Array<string | number> = [];
  let current = '';
  let index = 0;
  const endName = () => {
    if (current === '') throw bad('has an empty key segment');
    path.push(current);
    current = '';
  };
  while (index < key.length) {
    const char = key[index]!;
    if (char === '\\' && (key[index + 1] === '.' || key[index + 1] === '[')) {
      current += key[index + 1];
      index += 2;
      continue;
    }
    if (char === '.') {
      if (current !== '') endName();
      else if (path.length === 0 || typeof path[path.length - 1] === 'string') throw bad('has an empty key segment');
      index++;
      continue;
    }
    if (char === '[') {
      const close = key.indexOf(']', index);
      const digits = close === -1 ? '' : key.slice(index + 1, close);
      if (!/^\d+$/.test(digits) || Number(digits) > MAX_LIST_INDEX)
        throw bad(`has a list index that is not 0..${MAX_LIST_INDEX}`);
      if (current !== '') endName();
      else if (path.length === 0) throw bad('starts with a list index');
      path.push(Number(digits));
      index = close + 1;
      continue;
    }
    current += char;
    index++;
  }
  if (current !== '') endName();
  if (path.length === 0) throw bad('is empty');
  return path;
}

/** Helm's `--set` typing of a string (strvals `typedVal`); JSON values keep their type. */
function typedValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value === 'null') return null;
  // Helm keeps an integer with a leading zero a string ("0123"), and "0" an integer.
  if (/^-?(0|[1-9]\d*)$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

/** Helm's limit on a release name (it becomes a Secret's name and labels). */
export const RELEASE_NAME_MAX = 53;

/**
 * Zadig's default release naming, `$Namespace$-$Service$`, cut to Helm's
 * length limit the way Flux cuts names: the first 40 characters, a dash and
 * 12 hex characters of the full name's SHA-256, so two long names that share
 * a prefix still differ. A service name Helm cannot take as is (Zadig allows
 * `_` and capitals) is spelled in lowercase with dashes and gets the hash
 * too, so `a_b` and `a-b` stay two releases.
 *
 * @example releaseName('dev', 'web') // 'dev-web'
 */
export function releaseName(namespace: string, service: string): string {
  const full = `${namespace}-${service}`;
  const spelled = full.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (spelled === full && full.length <= RELEASE_NAME_MAX) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12);
  return `${spelled.slice(0, 40).replace(/-+$/, '')}-${hash}`;
}
