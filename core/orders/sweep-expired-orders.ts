import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { deleteItem, updateAtVersion } from '../store/writes.ts';
import { expiryKey, releaseHostPorts, removeOrderNamespace } from './manage-orders.ts';
import { isExpired, type OrderItem } from './order-item.ts';

export type SweepResult = { removed: string[]; failed: Array<{ id: string; reason: string }> };

/**
 * Removes the pods of orders whose service has ended: their namespace is
 * deleted, their host ports released and the order marked (it stays readable
 * until an admin deletes it). Run on a schedule, by the deployed cron
 * function and by the local server alike; DynamoDB Local has no TTL, and
 * removing a pod is cluster work a TTL delete could not do anyway.
 *
 * At most `limit` orders a run; each is swept on its own: one whose cluster
 * does not answer is reported and left for the next run. A deploy racing the sweep loses at its
 * version-checked write (or the sweep does, and removes the pod next run).
 */
export async function sweepExpiredOrders({
  ctx,
  connections,
  limit = 100,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  limit?: number;
}): Promise<SweepResult> {
  const now = ctx.now();
  // Expiry entries sort by time and leave with their order: the earliest ones are the due ones, if any are.
  const upTo = keys.orderExpiry(Math.floor(now.getTime() / 1000), '\u{10FFFF}').sk;
  const { items } = await ctx.store.list<{ sk: string; orderId: string }>(keys.orderExpiries, { limit });
  const due = items.filter((entry) => entry.sk <= upTo);
  const result: SweepResult = { removed: [], failed: [] };
  for (const { orderId } of due) {
    const order = await ctx.store.get<OrderItem>(keys.order(orderId));
    // An entry is due from the start of its second; the order expires within it.
    if (!order || !isExpired(order, now)) continue;
    try {
      await removeOrderNamespace(connections, order);
      await ctx.store.transact(
        [
          updateAtVersion(
            keys.order(order.id),
            order.version,
            { podRemovedAt: now.toISOString(), hostPorts: [] },
            `order "${order.id}" changed while its pod was removed`,
          ),
          deleteItem(expiryKey(order)),
          ...releaseHostPorts(order),
        ],
        `order "${order.id}" could not be marked as swept`,
      );
      result.removed.push(order.id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      result.failed.push({ id: order.id, reason: error.message });
    }
  }
  return result;
}
