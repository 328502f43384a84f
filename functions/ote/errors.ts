import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { RenderError } from '../http/app-shell.ts';
import type { BerthEnv } from '../http/env.ts';
import { httpStatusOf } from '../http/status.ts';

/**
 * ote-stack's one error map: the document's envelope `{code, message}`,
 * `code` repeating the HTTP status (400, 401, 403, 404, 409, 413, 415, 500,
 * 503) and `message` saying what exactly went wrong.
 */
export const renderOteError: RenderError = (error, c) => {
  const status = httpStatusOf(error.code);
  return c.json({ code: status, message: error.message }, status);
};

/**
 * The document answers 415 to a body that is not `application/json`. Checked
 * before the route, for every request that carries a body (DELETE included:
 * this dialect deletes by a JSON list of names or ids).
 */
export const requireJsonBodies = createMiddleware<BerthEnv>(async (c, next) => {
  if (!hasBody(c)) return next();
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === 'application/json') return next();
  c.set('errorCode', 'UnsupportedMediaType');
  return c.json(
    {
      code: 415,
      message: `the Media Type of the request is not supported, it has to be "application/json" (got "${contentType || 'none'}")`,
    },
    415,
  );
});

const hasBody = (c: Context<BerthEnv>): boolean => {
  const length = c.req.header('content-length');
  return c.req.raw.body !== null && length !== '0';
};
