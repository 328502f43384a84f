import fc from 'fast-check';
import type * as v from 'valibot';
import type { RouteContract } from '../../functions/http/contract.ts';
import { routePath } from './http.ts';

/**
 * Random and boundary requests for a route, shaped by its valibot schemas:
 * mostly values of the declared types (with the edges validators trip on),
 * some of the wrong type, fields left out and fields nobody declared.
 */

/** Strings that have broken parsers, validators and key builders elsewhere. */
const edgeStrings = [
  '',
  ' ',
  'a',
  'production',
  'default',
  'null',
  '-1',
  '0',
  '1e400',
  'NaN',
  '../../etc/passwd',
  '%00',
  '\u0000',
  'a\u0000b',
  '\u202e',
  '💥',
  'Ünïcödé',
  '<script>',
  "' OR 1=1 --",
  '{{ .Values }}',
  '$' + '{x}',
  'a:b',
  'a#b',
  'A_B',
  '-leading',
  'trailing-',
  'x'.repeat(64),
  'x'.repeat(254),
  'y'.repeat(5000),
  'line\nbreak',
];

const edgeNumbers = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...edgeStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const anyNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...edgeNumbers) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
/** Any JSON value: the wrong type for whatever field it lands in, most of the time. */
const wrongType = fc.jsonValue({ maxDepth: 2 });

type SchemaNode = {
  type: string;
  entries?: Record<string, SchemaNode>;
  wrapped?: SchemaNode;
  item?: SchemaNode;
  options?: unknown[];
  literal?: unknown;
  value?: SchemaNode;
  pipe?: Array<{ type: string; kind: string; requirement?: unknown }>;
};

/** The numbers and lengths a schema's pipe names as limits, and one past each. */
function limitsOf(node: SchemaNode): { numbers: number[]; lengths: number[] } {
  const numbers: number[] = [];
  const lengths: number[] = [];
  for (const action of node.pipe ?? []) {
    if (typeof action.requirement !== 'number') continue;
    // Lengths past what a body may carry test the body limit, not the field: stop a little above it.
    const around = [action.requirement - 1, action.requirement, action.requirement + 1].map((limit) =>
      Math.min(limit, 70_000),
    );
    if (/_value$/.test(action.type)) numbers.push(...around);
    if (/_length$|_size$/.test(action.type)) lengths.push(...around.filter((length) => length >= 0));
  }
  return { numbers, lengths };
}

function withLimits(node: SchemaNode, base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const { numbers, lengths } = limitsOf(node);
  const edges: Array<fc.Arbitrary<unknown>> = [];
  if (numbers.length > 0) edges.push(fc.constantFrom(...numbers));
  if (lengths.length > 0) edges.push(fc.constantFrom(...lengths).map((length) => 'k'.repeat(length)));
  return edges.length === 0 ? base : fc.oneof(base, ...edges);
}

/** Values for a schema: its shape most of the time, the wrong type some of the time. */
export function valueFor(schema: v.GenericSchema | SchemaNode, depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedValueFor(schema as SchemaNode, depth);
  return fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 1, arbitrary: wrongType });
}

function shapedValueFor(node: SchemaNode, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return wrongType;
  switch (node.type) {
    case 'object':
    case 'loose_object':
    case 'strict_object':
    case 'object_with_rest':
      return objectFor(node.entries ?? {}, depth);
    case 'optional':
    case 'nullish':
    case 'nullable':
    case 'exact_optional':
    case 'undefinedable':
    case 'non_optional':
    case 'non_nullable':
    case 'non_nullish':
      return node.wrapped ? fc.oneof(shapedValueFor(node.wrapped, depth), fc.constant(null)) : wrongType;
    case 'string':
      return withLimits(node, anyString);
    case 'number':
    case 'bigint':
      return withLimits(node, anyNumber);
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 0, 1));
    case 'picklist':
    case 'enum':
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...(node.options ?? [null])) },
        { weight: 1, arbitrary: anyString },
      );
    case 'literal':
      return fc.oneof(fc.constant(node.literal), anyString);
    case 'array':
    case 'tuple':
      return withLimits(
        node,
        fc.array(node.item ? valueFor(node.item, depth + 1) : wrongType, { maxLength: depth === 0 ? 6 : 3 }),
      );
    case 'record':
      return fc.dictionary(anyString, node.value ? valueFor(node.value, depth + 1) : wrongType, { maxKeys: 4 });
    case 'union':
    case 'variant':
      return fc.oneof(...((node.options ?? []) as SchemaNode[]).map((option) => shapedValueFor(option, depth)));
    default:
      return wrongType;
  }
}

/** Each declared field present or left out, plus now and then a field nobody declared. */
function objectFor(entries: Record<string, SchemaNode>, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const declared = fc.record(
    Object.fromEntries(Object.entries(entries).map(([name, schema]) => [name, valueFor(schema, depth + 1)])),
    { requiredKeys: [] },
  );
  const extra = fc.dictionary(fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'version', 'pk'), wrongType, {
    maxKeys: 2,
  });
  return fc.tuple(declared, fc.option(extra, { freq: 4 })).map(([fields, more]) => ({ ...more, ...fields }));
}

/** Query values are strings on the wire: the schema's values as a client would print them. */
function queryFor(schema: v.GenericSchema | undefined): fc.Arbitrary<Record<string, string | undefined>> {
  const entries = (schema as SchemaNode | undefined)?.entries ?? {};
  const printed = (arbitrary: fc.Arbitrary<unknown>) =>
    arbitrary.map((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')));
  const declared = fc.record(
    Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, printed(valueFor(entry))])),
    { requiredKeys: [] },
  );
  const extra = fc.dictionary(fc.constantFrom('page', 'limit', 'extra', 'env', 'projectKey'), anyString, {
    maxKeys: 2,
  });
  return fc.tuple(declared, extra).map(([fields, more]) => ({ ...more, ...fields }));
}

/** Path parameters: the boundary strings, which the router must take as values, never as other paths. */
const pathParamsFor = (contract: RouteContract) =>
  fc.record(
    Object.fromEntries(
      [...contract.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => [
        name,
        fc.oneof(fc.constant(`sample-${name}`), fc.constantFrom(...edgeStrings.filter(Boolean)), fc.integer()),
      ]),
    ),
  );

/** Header values are bytes: printable ASCII only, as `Headers` demands. */
const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'x'.repeat(2000), '../..', 'null', 'production'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
);
const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/yaml',
  'garbage/;;;',
];
const headers = fc.record(
  {
    'content-type': fc.constantFrom(...contentTypes),
    'x-env': headerValue,
    secret: headerValue,
    'x-request-id': headerValue,
    'x-forwarded-for': headerValue,
    accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html'),
  },
  { requiredKeys: [] },
);

/** Raw bodies a client might send by mistake (or on purpose): not JSON, truncated JSON, a form, nothing. */
const rawBody = fc.oneof(
  fc.constantFrom('', '{', '[', '{"a":', 'null', '123', '"text"', 'a=b&c=d', '---\nyaml: true\n', '\u0000\u0001'),
  fc.string({ maxLength: 60 }),
);

export type FuzzedRequest = { method: string; path: string; headers: Record<string, string>; body?: string };

/** One random request to a route: its path parameters, query, headers and body. */
export function requestFor(contract: RouteContract): fc.Arbitrary<FuzzedRequest> {
  const body: fc.Arbitrary<{ body?: string; json?: boolean }> = fc.oneof(
    {
      weight: contract.body ? 6 : 1,
      arbitrary: (contract.body ? valueFor(contract.body) : wrongType).map((value) => ({
        body: JSON.stringify(value) ?? 'null',
        json: true,
      })),
    },
    { weight: 1, arbitrary: rawBody.map((text) => ({ body: text })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
  return fc
    .record({ params: pathParamsFor(contract), query: queryFor(contract.query), headers, body })
    .map(({ params, query, headers: sent, body: { body: text, json } }) => ({
      method: contract.method.toUpperCase(),
      path: routePath(contract, params, query),
      headers: json ? { 'content-type': 'application/json', ...sent } : sent,
      ...(text === undefined || contract.method === 'get' ? {} : { body: text }),
    }));
}
