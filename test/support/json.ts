/** A JSON document as a client parses it. Tests compare it whole, or read into it with the helpers below. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

type Step = string | number;

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The value at `path` (object keys, array indexes) in a JSON document. A step
 * that is not there fails the test, naming the path and showing the document.
 *
 * @example at(response.json, 'items', 0, 'id')
 */
export function at(document: Json | undefined, ...path: Step[]): Json {
  let current = document;
  for (const [index, step] of path.entries()) {
    const next =
      typeof step === 'number'
        ? Array.isArray(current)
          ? current[step]
          : undefined
        : isObject(current)
          ? current[step]
          : undefined;
    if (next === undefined) throw new Error(`no ${describe(path.slice(0, index + 1))} in ${preview(document)}`);
    current = next;
  }
  if (current === undefined) throw new Error('no JSON document (the body was empty or not JSON)');
  return current;
}

function narrowed<T extends Json>(kind: string, is: (value: Json) => value is T) {
  return (document: Json | undefined, ...path: Step[]): T => {
    const value = at(document, ...path);
    if (!is(value)) throw new Error(`${describe(path)} is not ${kind}: ${preview(value)}`);
    return value;
  };
}

/** The string at `path`; anything else fails the test. */
export const stringAt = narrowed('a string', (value): value is string => typeof value === 'string');
/** The number at `path`; anything else fails the test. */
export const numberAt = narrowed('a number', (value): value is number => typeof value === 'number');
/** The string or null at `path` (a cursor that ends); anything else fails the test. */
export const stringOrNullAt = narrowed(
  'a string or null',
  (value): value is string | null => value === null || typeof value === 'string',
);
/** The array at `path`; anything else fails the test. */
export const arrayAt = narrowed('an array', (value): value is Json[] => Array.isArray(value));
/** The object at `path`; anything else fails the test. */
export const objectAt = narrowed('an object', isObject);

const describe = (path: Step[]) =>
  path.length === 0
    ? 'the document'
    : path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');

const preview = (value: Json | undefined) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/** The object of `list` whose `key` is `value`; when there is none, the test fails showing the list. */
export function entryWith(list: Json[], key: string, value: Json): JsonObject {
  const found = list.find((entry) => isObject(entry) && entry[key] === value);
  if (!isObject(found)) throw new Error(`no entry with ${key} = ${JSON.stringify(value)} in ${preview(list)}`);
  return found;
}
