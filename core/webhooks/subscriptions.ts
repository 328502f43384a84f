import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { webhookKeys } from '../store/keys.ts';
import type { Page } from '../store/store.ts';
import { type OutboundPolicy, requireDeliverableUrl } from './address-guard.ts';

/** The state changes a subscription can ask for. */
export const WEBHOOK_EVENT_TYPES = [
  'environment.status',
  'ote-deploy.status',
  'hook.rollout',
  'approval.requested',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type SubscriptionItem = {
  entity: 'webhook-subscription';
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  /** Only changes of this project (Zadig project key or ote-stack project); null: every change. */
  project: string | null;
  /** The Standard Webhooks secret (`whsec_…`), sealed to the subscription. */
  sealedSecret: string;
  createdAt: string;
  version: number;
};

export type SubscriptionRecord = Omit<SubscriptionItem, 'sealedSecret' | 'entity'>;

export const subscriptionSecretAad = (id: string) => `webhook:${id}:secret`;

const toRecord = ({ sealedSecret: _, entity: __, ...record }: SubscriptionItem): SubscriptionRecord => record;

/**
 * Subscribes a URL to state changes. The URL must be https (plain http to
 * loopback in local mode) and resolve only to public addresses. The secret,
 * in the Standard Webhooks form, is answered here only and sealed at rest.
 */
export async function createSubscription({
  ctx,
  policy,
  input,
}: {
  ctx: CoreContext;
  policy: OutboundPolicy;
  input: { url: string; eventTypes: WebhookEventType[]; project: string | null };
}): Promise<{ subscription: SubscriptionRecord; secret: string }> {
  const url = await requireDeliverableUrl(input.url, policy);
  const id = randomBytes(16).toString('hex');
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const item: SubscriptionItem = {
    entity: 'webhook-subscription',
    id,
    url: url.toString(),
    eventTypes: [...new Set(input.eventTypes)],
    project: input.project,
    sealedSecret: ctx.secrets.seal(secret, subscriptionSecretAad(id)),
    createdAt: ctx.now().toISOString(),
    version: 1,
  };
  await ctx.store.create(webhookKeys.subscription(id), { ...item }, `webhook "${id}" already exists`);
  return { subscription: toRecord(item), secret };
}

export async function listSubscriptions({
  ctx,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<SubscriptionRecord>> {
  const page = await ctx.store.list<SubscriptionItem>(webhookKeys.subscriptions, { limit, cursor });
  return { ...page, items: page.items.map(toRecord) };
}

export async function deleteSubscription({ ctx, id }: { ctx: CoreContext; id: string }): Promise<void> {
  if (!(await ctx.store.remove(webhookKeys.subscription(id)))) throw new NotFoundError('webhook', id);
}

export type DeadLetterItem = {
  entity: 'webhook-dead-letter';
  subscriptionId: string;
  msgId: string;
  type: WebhookEventType;
  body: string;
  attempts: number;
  lastError: string;
  failedAt: string;
  expiresAt: number;
};

/** The notifications that could not be delivered, each with its body and the last error. */
export async function listDeadLetters({ ctx, id }: { ctx: CoreContext; id: string }): Promise<DeadLetterItem[]> {
  if (!(await ctx.store.get(webhookKeys.subscription(id)))) throw new NotFoundError('webhook', id);
  return ctx.store.listAll<DeadLetterItem>(webhookKeys.deadLetters(id));
}
