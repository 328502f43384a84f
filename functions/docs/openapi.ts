import { toJsonSchema, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import type { RouteContract } from '../http/contract.ts';
import { DOCUMENTED_AS, DOCUMENTED_RULE } from '../http/documented.ts';
import { mediaType } from '../http/validation.ts';

/** An OpenAPI link: after `from` answers, `to` can be called with these parameters (runtime expressions). */
export type RouteLink = {
  from: RouteContract;
  to: RouteContract;
  parameters: Readonly<Record<string, string>>;
};

export type DialectDocs = {
  tag: string;
  description: string;
  routes: Record<string, RouteContract>;
  /** What this dialect's errors look like. */
  errorExample: unknown;
  /**
   * Set when the dialect answers a request it refuses (a missing or wrong
   * parameter) with this 2xx status and the error in the body, as its
   * document says (K8s-service: 200 with `code` 201).
   */
  refusesWithStatus?: number;
  /** Where a created thing can be read, changed and deleted: the document's links, for clients and fuzzers that chain calls. */
  links?: readonly RouteLink[];
};

type Schema = JsonSchema & { properties?: Record<string, JsonSchema>; required?: string[] };

/**
 * The OpenAPI 3.1 document, generated from the same route contracts (and so
 * the same valibot schemas) that validate requests. Every bound, pattern, enum
 * and required field the validators check is declared; a rule no JSON Schema
 * can state (a `check`, a rule a handler applies) is written in the
 * operation's description, with the 400 that answers it.
 */
export function buildOpenApiDocument(dialects: DialectDocs[]) {
  const operationIds = new Map<RouteContract, string>();
  for (const dialect of dialects)
    for (const [name, contract] of Object.entries(dialect.routes)) operationIds.set(contract, `${dialect.tag}.${name}`);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const dialect of dialects) {
    for (const contract of Object.values(dialect.routes)) {
      const links = (dialect.links ?? []).filter((link) => link.from === contract);
      paths[openApiPath(contract.path)] ??= {};
      paths[openApiPath(contract.path)]![contract.method] = operation(contract, dialect, operationIds, links);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Berth',
      version: '0.1.0',
      description:
        'One control plane for services on Kubernetes, speaking the Zadig, ote-stack, V-Kube and K8s-service dialects.',
    },
    tags: dialects.map((dialect) => ({ name: dialect.tag, description: dialect.description })),
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function operation(
  contract: RouteContract,
  dialect: DialectDocs,
  operationIds: ReadonlyMap<RouteContract, string>,
  links: readonly RouteLink[],
) {
  const rules: string[] = [];
  const parameters = [
    ...parametersOf(contract.params, 'path', rules),
    ...parametersOf(contract.docs?.query ?? contract.query, 'query', rules),
    ...parametersOf(contract.docs?.headers, 'header', rules),
    ...(contract.method === 'get' ? [] : [IDEMPOTENCY_KEY_PARAMETER]),
  ];
  const documentedBody = contract.docs?.body ?? contract.body;
  const bodySchema = documentedBody ? schemaOf(documentedBody, rules, 'body') : undefined;
  rules.push(...(contract.rules ?? []));

  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(contract.responses)) {
    const failures = {
      ...response.failures,
      ...(dialect.refusesWithStatus === Number(status) ? { refused: dialect.errorExample } : {}),
    };
    const failureNames = Object.keys(failures);
    responses[status] = {
      description:
        failureNames.length > 0
          ? `${response.description}. A refusal or failure is answered with this status too, said in the body (see the example${failureNames.length > 1 ? 's' : ''} ${failureNames.map((name) => `"${name}"`).join(', ')})`
          : response.description,
      ...(response.example === undefined && failureNames.length === 0
        ? {}
        : {
            content: {
              'application/json':
                failureNames.length > 0
                  ? {
                      examples: Object.fromEntries([
                        ...(response.example === undefined ? [] : [['done', { value: response.example }]]),
                        ...Object.entries(failures).map(([name, value]) => [name, { value }]),
                      ]),
                    }
                  : { example: response.example },
            },
          }),
      ...(status.startsWith('2') && links.length > 0 ? { links: linksOf(links, operationIds) } : {}),
    };
  }
  if (rules.length > 0 && dialect.refusesWithStatus === undefined) {
    responses['400'] ??= {
      description: `A rule above is broken, in the ${dialect.tag} envelope`,
      content: { 'application/json': { example: dialect.errorExample } },
    };
  }
  if (contract.method !== 'get') {
    responses['422'] ??= {
      description: `The Idempotency-Key was used by this caller for another request, in the ${dialect.tag} envelope`,
    };
  }
  responses['default'] = {
    description: `Error, in the ${dialect.tag} envelope`,
    content: { 'application/json': { example: dialect.errorExample } },
  };

  const description = [
    ...(contract.access === 'admin' ? ['Needs an admin token.'] : []),
    ...(rules.length > 0 ? [`Also checked (400 when broken):\n${rules.map((rule) => `- ${rule}`).join('\n')}`] : []),
  ].join('\n\n');
  return {
    operationId: operationIds.get(contract),
    summary: contract.summary,
    tags: [...contract.tags],
    ...(contract.access === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }] }),
    ...(description ? { description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(bodySchema
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              (contract.bodyFormats ?? ['json']).map((format) => [mediaType(format), { schema: bodySchema }]),
            ),
          },
        }
      : {}),
    responses,
  };
}

/** Every mutating route takes it (the app shell's middleware, `functions/http/idempotency.ts`). */
const IDEMPOTENCY_KEY_PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Retries with the same key (same caller and request) get the first answer, with `Idempotent-Replayed: true`, for 24 h; the key with another request is a 422, a retry while the first acts a 409',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]+$' },
};

function linksOf(links: readonly RouteLink[], operationIds: ReadonlyMap<RouteContract, string>) {
  return Object.fromEntries(
    links.map((link) => {
      const operationId = operationIds.get(link.to);
      if (!operationId) throw new Error(`a link from ${link.from.path} names a route no dialect declares`);
      return [operationId.replace(/^[^.]+\./, '').replace(/\W/g, '_'), { operationId, parameters: link.parameters }];
    }),
  );
}

function parametersOf(schema: v.GenericSchema | undefined, location: 'path' | 'query' | 'header', rules: string[]) {
  if (!schema) return [];
  const json = schemaOf(schema, rules, location);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}

/** Marks, inside a converted schema, a rule it cannot state; collected (with the field's path) and removed. */
const RULE = 'x-berth-rule';

/**
 * A regex JSON Schema generators and validators read as the validator does:
 * ECMA-262 without flags (a flag cannot be written in `pattern`), no Unicode
 * property classes, lookbehinds, named groups or backreferences, and no
 * class shorthands (`\d`, `\w`, `\s`, `\b`), which Python's and other
 * engines' Unicode-aware matching reads differently.
 */
export const isPortablePattern = (regex: RegExp): boolean =>
  (regex.flags === '' || regex.flags === 'u') && !/\\[pPdDwWsSbBk1-9]|\(\?<[=!]|\(\?<[A-Za-z]/.test(regex.source);

const withRule = (jsonSchema: JsonSchema, rule: string): JsonSchema =>
  ({ ...jsonSchema, [RULE]: [...((jsonSchema as Record<string, string[]>)[RULE] ?? []), rule] }) as JsonSchema;

const conversion: ConversionConfig = {
  errorMode: 'ignore',
  typeMode: 'input',
  overrideAction: ({ valibotAction, jsonSchema, errors }) => {
    const action = valibotAction as { type: string; requirement?: unknown; message?: unknown; metadata?: unknown };
    if (action.type === 'metadata') {
      const metadata = action.metadata as Record<string, unknown>;
      if (metadata[DOCUMENTED_AS]) return metadata[DOCUMENTED_AS] as JsonSchema;
      if (metadata[DOCUMENTED_RULE]) {
        const { [DOCUMENTED_RULE]: _, ...rest } = jsonSchema as Record<string, unknown>;
        return withRule(rest as JsonSchema, String(metadata[DOCUMENTED_RULE]));
      }
      return undefined;
    }
    if (action.type === 'regex' && !isPortablePattern(action.requirement as RegExp)) {
      const { pattern: _, ...rest } = jsonSchema as JsonSchema & { pattern?: string };
      return withRule(rest, `must match ${String(action.requirement)}`);
    }
    // A cross-field check (`partialCheck`, forwarded to a field) does not know its own field: its route states it in `rules`.
    if (action.type === 'partial_check') return jsonSchema;
    if (errors && typeof action.message === 'string') return withRule(jsonSchema, action.message);
    return undefined;
  },
  overrideSchema: ({ valibotSchema, jsonSchema }) => {
    // An optional integer given as text has its default as text; the document states the number.
    const json = jsonSchema as JsonSchema & { default?: unknown; type?: unknown };
    if (valibotSchema.type === 'optional' && json.type === 'integer' && typeof json.default === 'string')
      return { ...jsonSchema, default: Number(json.default) } as JsonSchema;
    return undefined;
  },
};

/** JSON Schema of a request schema's input side; `$schema` is dropped, OpenAPI 3.1 sets the dialect. */
function schemaOf(schema: v.GenericSchema, rules: string[], where: string): Schema {
  const { $schema: _, ...json } = toJsonSchema(schema, conversion) as Schema;
  return collectRules(json, where, rules) as Schema;
}

/** Takes the rule marks out of a converted schema into `rules`, each prefixed with the field it is about. */
function collectRules(json: unknown, where: string, rules: string[]): unknown {
  if (Array.isArray(json)) return json.map((item) => collectRules(item, `${where}[]`, rules));
  if (typeof json !== 'object' || json === null) return json;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === RULE) rules.push(...(value as string[]).map((rule) => `${where}: ${rule}`));
    else if (key === 'properties')
      result[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, property]) => [
          name,
          collectRules(property, where === 'query' || where === 'path' ? name : `${where}.${name}`, rules),
        ]),
      );
    else if (key === 'items') result[key] = collectRules(value, `${where}[]`, rules);
    // The alternatives of a union describe the same field.
    else if (key === 'anyOf' || key === 'oneOf')
      result[key] = (value as unknown[]).map((alternative) => collectRules(alternative, where, rules));
    else result[key] = collectRules(value, where, rules);
  }
  return result;
}
