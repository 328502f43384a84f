import type { CoreContext } from '../context.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';

/**
 * An order for a pod, bought on a marketplace and recorded by an admin. Its
 * pod runs in a namespace of its own on the cluster hosting its region; its
 * secret is kept only as a SHA-256 hash.
 */
export type OrderItem = {
  id: string;
  region: string;
  clusterId: string;
  namespace: string;
  /** How long the service runs, from `createdAt`. */
  durationSeconds: number;
  amount: number;
  amountPaid: number;
  serviceId: string;
  serviceName: string;
  serviceCategoryId: string;
  provider: string;
  /** Wallet addresses of the consumer and of the merchant. */
  consumerAddress: string;
  merchantAddress: string;
  portSpecification: string;
  /** Each unit buys 1 GiB of memory for the pod's containers together. */
  resourceUnits: number;
  status: string;
  publicKey: string;
  secretHash: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  /** The host ports the order's pod holds (claimed in the region from its deploy). */
  hostPorts?: number[];
  /** When the sweep removed the pod of the expired order. */
  podRemovedAt?: string;
  version: number;
};

export type CreateOrderInput = Omit<
  OrderItem,
  | 'id'
  | 'clusterId'
  | 'namespace'
  | 'secretHash'
  | 'createdAt'
  | 'updatedAt'
  | 'expiresAt'
  | 'hostPorts'
  | 'podRemovedAt'
  | 'version'
> & { id?: string | undefined };

export const MEMORY_PER_RESOURCE_UNIT_BYTES = 1024 ** 3;

/** The label Berth puts on an order's namespace and on its pod. */
export const ORDER_LABEL = 'berth.dev/vkube-order';

export const orderNamespace = (id: string): string => `vkube-${id}`;

export async function readOrder(ctx: CoreContext, id: string): Promise<OrderItem> {
  const item = await ctx.store.get<OrderItem>(keys.order(id));
  if (!item) throw new NotFoundError('order', id);
  return item;
}

export const isExpired = (order: OrderItem, now: Date): boolean => now.getTime() >= Date.parse(order.expiresAt);

/** Pod operations stop when the service ends; the order itself can still be read. */
export function requireActiveOrder(order: OrderItem, now: Date): void {
  if (isExpired(order, now))
    throw new ForbiddenError(
      `the service of order "${order.id}" expired at ${order.expiresAt}; its pod is removed and cannot be deployed or read`,
    );
}

export const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
