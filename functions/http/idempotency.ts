import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { CoreContext } from '../../core/context.ts';
import { holdIdempotencyKey } from '../../core/idempotency/idempotent-requests.ts';
import type { BerthEnv } from './env.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Set on an answer replayed from an earlier request with the same key. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Who is calling, for the key's scope, before any route authenticates: a
 * hash of the credentials the request carries (the bearer token, V-Kube's
 * order `secret`). Two callers never share a key; a caller without any
 * credential shares the anonymous scope.
 */
const callerOf = (header: (name: string) => string | undefined): string =>
  createHash('sha256')
    .update(`${header('authorization') ?? ''}\n${header('secret') ?? ''}`)
    .digest('hex');

/** Gives the routes of an app the store their `Idempotency-Key` answers are kept in. */
export const provideIdempotencyStore = (ctx: CoreContext) =>
  createMiddleware<BerthEnv>(async (c, next) => {
    c.set('idempotencyStore', ctx);
    await next();
  });

/**
 * `Idempotency-Key` on every mutating route, applied by the router once the
 * route is known and its caller authenticated (so an unknown route is still a
 * 404 or 405 and a missing token still a 401): the first answer (status,
 * content type, body) is kept for 24 h under the key, the caller and a hash of
 * the request; a retry gets it back (with `Idempotent-Replayed: true`) without
 * acting again. The same key for another request is a 422, a retry while the
 * first is still acting a 409, both in the dialect's envelope (they are thrown
 * to the app's `onError`). A refused request (a thrown error: nothing was
 * written) or a 5xx lets the key go, so a retry acts.
 */
export async function answerIdempotently(c: Context<BerthEnv>, act: () => Promise<Response>): Promise<Response> {
  const ctx = c.get('idempotencyStore');
  const key = c.req.header('idempotency-key');
  if (!ctx || key === undefined || !MUTATING.has(c.req.method)) return act();
  const url = new URL(c.req.url);
  const held = await holdIdempotencyKey(ctx, {
    caller: callerOf((name) => c.req.header(name)),
    key,
    method: c.req.method,
    path: `${url.pathname}${url.search}`,
    body: new Uint8Array(await c.req.arrayBuffer()),
  });
  if ('answer' in held) {
    const { status, contentType, body } = held.answer;
    return new Response(body.byteLength > 0 ? body : null, {
      status,
      headers: { ...(contentType ? { 'content-type': contentType } : {}), [REPLAYED_HEADER]: 'true' },
    });
  }
  let response: Response;
  try {
    response = await act();
  } catch (error) {
    await held.held.release();
    throw error;
  }
  if (response.status >= 500) await held.held.release();
  else
    await held.held.keep({
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: new Uint8Array(await response.clone().arrayBuffer()),
    });
  return response;
}
