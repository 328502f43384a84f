import type { Context } from 'hono';

/** The document's success envelope: `{code, message, data?, total?}`, `code` repeating the HTTP status. */
export function ote(
  c: Context,
  content: { data?: unknown; total?: number; [other: string]: unknown } = {},
  status: 200 | 201 = 200,
) {
  return c.json({ code: status, message: 'success', ...content }, status);
}
