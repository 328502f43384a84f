import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** `YYYY-MM-DD HH:mm:ss`, in UTC, as the document's `responseTime`. */
export const responseTime = (now: Date): string => now.toISOString().replace('T', ' ').slice(0, 19);

/**
 * The dialect's envelope. Its `code` carries the outcome (200, 201, 500) and,
 * like the service it replaces, the HTTP status stays 200 for those, so
 * clients that parse the body on 200 keep working. `msgId` is echoed as sent.
 */
export function k8sEnvelope(
  c: Context,
  code: number,
  message: unknown,
  msgId: string | undefined,
  now: Date,
  status: ContentfulStatusCode = 200,
) {
  return c.json({ code, message, ...(msgId === undefined ? {} : { msgId }), responseTime: responseTime(now) }, status);
}
