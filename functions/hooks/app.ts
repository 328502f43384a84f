import { bodyLimit } from 'hono/body-limit';
import type { CoreContext } from '../../core/context.ts';
import { PayloadTooLargeError } from '../../core/errors.ts';
import { readHook } from '../../core/hooks/hook-item.ts';
import { receiveDelivery } from '../../core/hooks/receive-delivery.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { renderZadigError } from '../zadig/errors.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import { hooksRoutes as routes } from './routes.ts';
import { deliveryAnswer } from './views.ts';

/** Registry notifications and CI payloads are small; a larger body is not one of them. */
export const HOOK_BODY_LIMIT_BYTES = 256 * 1024;

export type HooksDeps = { ctx: CoreContext; log?: LogLine; limiter?: RateLimiter };

/**
 * Inbound hooks: `POST /hooks/:hookId`. The hook's secret authenticates the
 * delivery (there is no bearer token); errors use the admin API's envelope.
 */
export function createHooksApp({ ctx, log, limiter = createRateLimiter() }: HooksDeps) {
  const app = createAppShell({ renderError: renderZadigError, ctx, ...(log ? { log } : {}) });
  app.use(
    '/hooks/*',
    bodyLimit({
      maxSize: HOOK_BODY_LIMIT_BYTES,
      onError: () => {
        throw new PayloadTooLargeError(HOOK_BODY_LIMIT_BYTES);
      },
    }),
  );
  const route = createRouter(app, { authenticate: () => Promise.reject(new Error('hooks authenticate by signature')) });

  route(routes.receive, async (c, { params }) => {
    const hook = await readHook(ctx, params.hookId);
    const waitMs = limiter.take(hook.id, hook.rateLimitPerMinute);
    if (waitMs > 0) {
      c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
      const description = `hook "${hook.id}" takes ${hook.rateLimitPerMinute} deliveries a minute`;
      return c.json({ code: 429, message: 'Too Many Requests', description }, 429);
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    const { outcome, duplicate } = await receiveDelivery({
      ctx,
      hook,
      delivery: { header: (name) => c.req.header(name), body },
    });
    if (duplicate) c.header('Berth-Duplicate-Delivery', 'true');
    return c.json(deliveryAnswer(outcome), outcome.verdict === 'accepted' ? 202 : 200);
  });

  return app;
}
