import type { Context } from 'hono';
import * as v from 'valibot';
import { InvalidInputError, MissingFieldError } from '../../core/errors.ts';

export type BodyFormat = 'json' | 'form' | 'multipart';

/**
 * Validates input against its schema. The first issue becomes an
 * InvalidInputError naming the field by its dotted path, so every dialect can
 * tell the caller exactly what to fix.
 */
export function validate<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  part: 'body' | 'query' | 'path',
): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.') ?? '';
  const field = path || part;
  if (issue.input === undefined && (issue.kind === 'schema' || issue.type === 'strict_object')) {
    if (issue.type === 'strict_object' && issue.expected === 'never')
      throw new InvalidInputError(`unknown field ${field}`, field);
    throw new MissingFieldError(field);
  }
  if (issue.type === 'strict_object' && issue.expected === 'never')
    throw new InvalidInputError(`unknown field ${field}`, field);
  throw new InvalidInputError(`${field}: ${issue.message}`, field);
}

/**
 * Reads the body in one of the formats a route accepts. JSON is read whatever
 * the Content-Type says, as Zadig's own server binds it, so scripts that send
 * JSON with `curl -d` (a form Content-Type) keep working; a form is read as a
 * form only where the route takes forms and the body is not JSON.
 */
export async function readBody(c: Context, formats: readonly BodyFormat[]): Promise<unknown> {
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === 'multipart/form-data' && (formats.includes('form') || formats.includes('multipart')))
    return { ...(await parseMultipart(c)) };
  if (formats.includes('multipart') && !formats.includes('json'))
    throw new InvalidInputError('the request must be multipart/form-data', 'body');
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  const looksLikeJson = /^\s*[[{]/.test(text);
  if (contentType === 'application/x-www-form-urlencoded' && formats.includes('form') && !looksLikeJson) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError('request body is not valid JSON', 'body');
  }
}

/** A body that says it is multipart but is not (no boundary, a truncated part) is the caller's mistake. */
async function parseMultipart(c: Context) {
  try {
    return await c.req.parseBody();
  } catch {
    throw new InvalidInputError('request body is not valid multipart/form-data', 'body');
  }
}

export const mediaType = (format: BodyFormat): string =>
  format === 'json'
    ? 'application/json'
    : format === 'form'
      ? 'application/x-www-form-urlencoded'
      : 'multipart/form-data';
