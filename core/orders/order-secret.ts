import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { secretsEqual, sha256Hex } from '../crypto/secret-box.ts';
import { UnauthorizedError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { OrderItem } from './order-item.ts';

export const newOrderSecret = (): string => randomBytes(24).toString('base64url');

export const hashOrderSecret = (secret: string): string => sha256Hex(secret);

/**
 * The order a `secret` header belongs to. A missing secret, an unknown one and
 * one whose order was deleted are the same 401, so the answer never tells
 * whether an order exists.
 */
export async function authenticateOrder({
  ctx,
  secret,
}: {
  ctx: CoreContext;
  secret: string | undefined;
}): Promise<OrderItem> {
  const refused = new UnauthorizedError('a valid order secret is required in the secret header');
  if (!secret) throw refused;
  const hash = hashOrderSecret(secret);
  const lookup = await ctx.store.get<{ orderId: string }>(keys.orderBySecret(hash));
  const order = lookup && (await ctx.store.get<OrderItem>(keys.order(lookup.orderId)));
  // Found by its hash already; the constant-time comparison keeps even that last step from leaking through timing.
  if (!order || !secretsEqual(hash, order.secretHash)) throw refused;
  return order;
}
