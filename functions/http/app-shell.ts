import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError } from '../../core/errors.ts';
import type { CoreContext } from '../../core/context.ts';
import type { BerthEnv } from './env.ts';
import { provideIdempotencyStore } from './idempotency.ts';
import { routesOfPath } from './known-routes.ts';
import { jsonLogLine, requestLog, type LogLine } from './request-log.ts';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** A dialect's one mapping from domain errors to its own envelope. */
export type RenderError = (error: DomainError, c: Context<BerthEnv>) => Response | Promise<Response>;

/**
 * The shell every group app starts from: request id and log line, a body
 * size limit, `Idempotency-Key` on mutating requests, and the dialect's error
 * envelope for every failure, including unknown routes, known paths asked with
 * a method they do not serve (405 with `Allow`) and errors nobody expected.
 */
export function createAppShell({
  renderError,
  log = jsonLogLine,
  bodyLimitBytes = BODY_LIMIT_BYTES,
  ctx,
}: {
  renderError: RenderError;
  log?: LogLine;
  /** Groups that take uploads set their own limit, under the Lambda payload limit. */
  bodyLimitBytes?: number;
  /** Where `Idempotency-Key` answers are kept; null for a group that serves only reads. */
  ctx: CoreContext | null;
}): Hono<BerthEnv> {
  const app = new Hono<BerthEnv>();
  app.use(requestLog(log));
  app.use(
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: () => {
        throw new PayloadTooLargeError(bodyLimitBytes);
      },
    }),
  );
  if (ctx) app.use(provideIdempotencyStore(ctx));
  const renderAnyError = (error: Error, c: Context<BerthEnv>) => {
    if (error instanceof DomainError) {
      c.set('errorCode', error.code);
      return renderError(error, c);
    }
    c.set('errorCode', 'Internal');
    // Only the error's name and first line: messages of client libraries can carry request headers.
    log({
      level: 'error',
      msg: 'unhandled error',
      error: error.name,
      detail: error.message.split('\n')[0],
      request_id: c.get('requestId'),
    });
    return renderError(new DomainError('Internal', 'internal error'), c);
  };
  const answerError = async (error: Error, c: Context<BerthEnv>) => {
    const response = await renderAnyError(error, c);
    if (error instanceof MethodNotAllowedError) response.headers.set('Allow', error.allowed.join(', '));
    return response;
  };
  app.onError(answerError);
  app.notFound((c) => {
    const { methods } = routesOfPath(app, c.req.path);
    return answerError(
      methods.length === 0
        ? new NotFoundError('route', `${c.req.method} ${c.req.path}`)
        : new MethodNotAllowedError(c.req.method, c.req.path, methods),
      c,
    );
  });
  return app;
}
