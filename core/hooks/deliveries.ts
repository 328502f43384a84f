import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { Page } from '../store/store.ts';
import { readHook } from './hook-item.ts';
import { hookKeys } from '../store/keys.ts';

/** What became of one event of a delivery at the door. */
export type EventOutcome = {
  repository: string;
  tag: string;
  digest: string | null;
  time: string | null;
  actor: string | null;
  /** The image the hook would write, when the event was accepted. */
  image: string | null;
  verdict: 'accepted' | 'ignored' | 'stale';
  reason: string | null;
};

/** How a delivery was answered; a repeat of it is answered from this, exactly. */
export type DeliveryOutcome = {
  recordId: string;
  deliveryId: string;
  verdict: 'accepted' | 'ignored' | 'pong';
  events: EventOutcome[];
  ignored: string[];
  dryRun: boolean;
};

export type DeliveryItem = {
  entity: 'hook-delivery';
  hookId: string;
  recordId: string;
  /** The sender's id for the delivery, or `sha256:` of its body. */
  deliveryId: string | null;
  receivedAt: string;
  verdict: 'accepted' | 'ignored' | 'pong' | 'rejected';
  reason: string | null;
  outcome: DeliveryOutcome | null;
  expiresAt: number;
};

export type StageName =
  | 'duplicate'
  | 'redriven'
  | 'approval'
  | 'vote'
  | 'superseded'
  | 'collapsed'
  | 'skipped'
  | 'plan'
  | 'rollout'
  | 'health'
  | 'rollback'
  | 'failed';

export type StageItem = {
  entity: 'hook-stage';
  hookId: string;
  recordId: string;
  at: string;
  stage: StageName;
  target: string | null;
  from: string | null;
  to: string | null;
  detail: string;
  expiresAt: number;
};

/** Delivery records and their stages are audit, kept 30 days; seen delivery ids 7 days (beyond every replay window). */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;
export const SEEN_RETENTION_SECONDS = 7 * 24 * 3600;

export const epochSeconds = (date: Date, plusSeconds = 0): number => Math.floor(date.getTime() / 1000) + plusSeconds;

/** Sortable by arrival: the list of deliveries reads oldest first. */
export const newRecordId = (now: Date): string =>
  `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;

export async function recordStage(
  ctx: CoreContext,
  hookId: string,
  recordId: string,
  stage: Omit<StageItem, 'entity' | 'hookId' | 'recordId' | 'at' | 'expiresAt' | 'target' | 'from' | 'to'> &
    Partial<Pick<StageItem, 'target' | 'from' | 'to'>>,
): Promise<void> {
  const now = ctx.now();
  const at = now.toISOString();
  const item: StageItem = {
    entity: 'hook-stage',
    hookId,
    recordId,
    at,
    target: null,
    from: null,
    to: null,
    ...stage,
    expiresAt: epochSeconds(now, DELIVERY_RETENTION_SECONDS),
  };
  // A stage is new information nothing else writes: no condition needed.
  await ctx.store.putAll([{ ...hookKeys.stage(hookId, recordId, `${at}#${randomBytes(3).toString('hex')}`), ...item }]);
}

export async function listDeliveries({
  ctx,
  hookId,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  hookId: string;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<DeliveryItem>> {
  await readHook(ctx, hookId);
  return ctx.store.list<DeliveryItem>(hookKeys.deliveries(hookId), { limit, cursor });
}

/** One delivery with every stage recorded for it, in order. */
export async function getDelivery({
  ctx,
  hookId,
  recordId,
}: {
  ctx: CoreContext;
  hookId: string;
  recordId: string;
}): Promise<{ delivery: DeliveryItem; stages: StageItem[] }> {
  const delivery = await ctx.store.get<DeliveryItem>(hookKeys.delivery(hookId, recordId));
  if (!delivery) throw new NotFoundError('delivery', recordId, { in: `hook "${hookId}"` });
  const stages = await ctx.store.listAll<StageItem>(hookKeys.stages(hookId, recordId));
  return { delivery, stages };
}
