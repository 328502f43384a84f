import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import type { RouteContract } from '../http/contract.ts';
import { mediaType } from '../http/validation.ts';

export type DialectDocs = {
  tag: string;
  description: string;
  routes: Record<string, RouteContract>;
  /** What this dialect's errors look like. */
  errorExample: unknown;
};

/**
 * The OpenAPI 3.1 document, generated from the same route contracts (and so
 * the same valibot schemas) that validate requests.
 */
export function buildOpenApiDocument(dialects: DialectDocs[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const dialect of dialects) {
    for (const [operationId, contract] of Object.entries(dialect.routes)) {
      const path = contract.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      paths[path] ??= {};
      paths[path][contract.method] = operation(operationId, contract, dialect);
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

function operation(operationId: string, contract: RouteContract, dialect: DialectDocs) {
  const parameters = [
    ...parametersOf(contract.params, 'path'),
    ...parametersOf(contract.docs?.query ?? contract.query, 'query'),
    ...parametersOf(contract.docs?.headers, 'header'),
    ...(contract.method === 'get' ? [] : [IDEMPOTENCY_KEY_PARAMETER]),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(contract.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.example === undefined ? {} : { content: { 'application/json': { example: response.example } } }),
    };
  }
  responses['default'] = {
    description: `Error, in the ${dialect.tag} envelope`,
    content: { 'application/json': { example: dialect.errorExample } },
  };
  return {
    operationId: `${dialect.tag}.${operationId}`,
    summary: contract.summary,
    tags: [...contract.tags],
    ...(contract.access === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }] }),
    ...(contract.access === 'admin' ? { description: 'Needs an admin token.' } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...((contract.docs?.body ?? contract.body)
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              (contract.bodyFormats ?? ['json']).map((format) => [
                mediaType(format),
                { schema: schemaOf(contract.docs?.body ?? contract.body!) },
              ]),
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
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function parametersOf(schema: v.GenericSchema | undefined, location: 'path' | 'query' | 'header') {
  if (!schema) return [];
  const json = schemaOf(schema);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}

/** JSON Schema of a request schema's input side; `$schema` is dropped, OpenAPI 3.1 sets the dialect. */
function schemaOf(
  schema: v.GenericSchema,
): JsonSchema & { properties?: Record<string, JsonSchema>; required?: string[] } {
  const { $schema: _, ...json } = toJsonSchema(schema, { errorMode: 'ignore', typeMode: 'input' }) as JsonSchema & {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return json;
}
