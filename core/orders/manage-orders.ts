import { randomBytes } from 'node:crypto';
import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { clusterOfRegion } from '../regions/regions.ts';
import { keys } from '../store/keys.ts';
import type { Page } from '../store/store.ts';
import { createIfAbsent, deleteAtVersion, deleteItem, releaseClaim, type Write } from '../store/writes.ts';
import { epochSeconds, orderNamespace, readOrder, type CreateOrderInput, type OrderItem } from './order-item.ts';
import { hashOrderSecret, newOrderSecret } from './order-secret.ts';

/**
 * Records an order on the cluster hosting its region and mints its secret,
 * which is in this answer and nowhere else, ever. Nothing is deployed yet:
 * the pod comes with the order's first deploy.
 */
export async function createOrder({
  ctx,
  connections,
  input,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  input: CreateOrderInput;
}): Promise<{ order: OrderItem; secret: string }> {
  const clusterId = await clusterOfRegion({ ctx, connections, region: input.region, field: 'region' });
  const id = input.id ?? randomBytes(12).toString('hex');
  const secret = newOrderSecret();
  const now = ctx.now();
  const order: OrderItem = {
    ...input,
    id,
    clusterId,
    namespace: orderNamespace(id),
    secretHash: hashOrderSecret(secret),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.durationSeconds * 1000).toISOString(),
    version: 1,
  };
  // The order, its secret's look-up and its expiry entry exist together or not at all.
  await ctx.store.transact(
    [
      createIfAbsent({ ...order, entity: 'order', ...keys.order(id) }, `order "${id}" already exists`),
      createIfAbsent({ ...keys.orderBySecret(order.secretHash), orderId: id }, 'order secret collision; try again'),
      createIfAbsent({ ...expiryKey(order), orderId: id }, `order "${id}" already exists`),
    ],
    `order "${id}" could not be created`,
  );
  return { order, secret };
}

export async function listOrders({
  ctx,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<OrderItem>> {
  return ctx.store.list<OrderItem>(keys.orders, { limit, cursor });
}

/**
 * Removes the order's pod (its namespace) and then the order. A cluster that
 * does not answer keeps the order, so the delete can be retried; a cluster
 * no longer registered has nothing left to remove.
 */
export async function deleteOrder({
  ctx,
  connections,
  id,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  id: string;
}): Promise<void> {
  const order = await readOrder(ctx, id);
  await removeOrderNamespace(connections, order);
  await ctx.store.transact(
    [
      deleteAtVersion(keys.order(id), order.version, `order "${id}" changed while it was being deleted; try again`),
      deleteItem(keys.orderBySecret(order.secretHash)),
      deleteItem(expiryKey(order)),
      ...releaseHostPorts(order),
    ],
    `order "${id}" could not be deleted`,
  );
}

export async function removeOrderNamespace(connections: ClusterConnections, order: OrderItem): Promise<void> {
  try {
    await (await connections.get(order.clusterId)).deleteNamespace(order.namespace);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

export const expiryKey = (order: OrderItem) => keys.orderExpiry(epochSeconds(order.expiresAt), order.id);

export const releaseHostPorts = (order: OrderItem, ports: readonly number[] = order.hostPorts ?? []): Write[] =>
  ports.map((port) => releaseClaim(keys.hostPortClaim(order.region, port), order.id));
