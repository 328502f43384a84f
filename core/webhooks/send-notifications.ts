import { Agent, fetch } from 'undici';
import type { CoreContext } from '../context.ts';
import { sha256Hex } from '../crypto/secret-box.ts';
import { ConflictError } from '../errors.ts';
import { signDelivery } from '../hooks/signatures.ts';
import { webhookKeys } from '../store/keys.ts';
import { createIfAbsent } from '../store/writes.ts';
import { guardedLookup, type OutboundPolicy } from './address-guard.ts';
import type { Notification } from './notifications.ts';
import { type DeadLetterItem, type SubscriptionItem, subscriptionSecretAad } from './subscriptions.ts';

/** Queued notifications and dead letters are kept a week. */
const RETENTION_SECONDS = 7 * 24 * 3600;
const ATTEMPT_TIMEOUT_MS = 10_000;

export type SenderOptions = OutboundPolicy & {
  /** The waits between attempts; one attempt more than waits. */
  retryDelaysMs?: readonly number[];
};
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000] as const;

export type MessageItem = {
  entity: 'webhook-message';
  subscriptionId: string;
  /** Stable across attempts (`webhook-id`), so receivers can tell a retry from a new notification. */
  msgId: string;
  hash: string;
  type: Notification['type'];
  body: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  expiresAt: number;
};

/**
 * Queues each notification for every subscription that asks for its type
 * (and project). The queue item's key is the subscription and a hash of the
 * object and state, created only if absent: the stream delivering a change
 * twice, or two workers, queue it once.
 */
export async function queueNotifications(ctx: CoreContext, notifications: Notification[]): Promise<void> {
  if (notifications.length === 0) return;
  const subscriptions = await ctx.store.listAll<SubscriptionItem>(webhookKeys.subscriptions);
  const now = ctx.now();
  for (const notification of notifications) {
    const hash = sha256Hex(`${notification.object}\n${notification.state}`);
    const body = JSON.stringify({ type: notification.type, timestamp: now.toISOString(), data: notification.data });
    for (const subscription of subscriptions) {
      if (!subscription.eventTypes.includes(notification.type)) continue;
      if (subscription.project !== null && subscription.project !== notification.project) continue;
      const message: MessageItem = {
        entity: 'webhook-message',
        subscriptionId: subscription.id,
        msgId: `msg_${hash.slice(0, 32)}`,
        hash,
        type: notification.type,
        body,
        status: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
      };
      try {
        await ctx.store.transact(
          // The same (object, state) already queued for this subscription: one notification per state.
          [createIfAbsent({ ...webhookKeys.message(subscription.id, hash), ...message })],
          'already queued',
        );
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
  }
}

/**
 * Sends a queued notification, signed the Standard Webhooks way, retrying
 * with growing waits; after the last attempt it becomes a dead letter. A
 * message already delivered (the stream handing its record over again) is
 * not sent again.
 */
export async function sendNotification(
  ctx: CoreContext,
  message: MessageItem,
  { retryDelaysMs = DEFAULT_RETRY_DELAYS_MS, ...policy }: SenderOptions,
): Promise<void> {
  const key = webhookKeys.message(message.subscriptionId, message.hash);
  const current = await ctx.store.get<MessageItem>(key);
  if (current?.status !== 'pending') return;
  const subscription = await ctx.store.get<SubscriptionItem>(webhookKeys.subscription(message.subscriptionId));
  if (!subscription) return;
  const secret = ctx.secrets.open(subscription.sealedSecret, subscriptionSecretAad(subscription.id));
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
  let lastError = '';
  try {
    for (let attempt = 1; attempt <= retryDelaysMs.length + 1; attempt++) {
      lastError = await attemptOnce(subscription.url, secret, message, ctx.now(), dispatcher);
      if (lastError === '') {
        await ctx.store.annotate(key, { status: 'delivered', attempts: attempt, deliveredAt: ctx.now().toISOString() });
        return;
      }
      await ctx.store.annotate(key, { attempts: attempt, lastError });
      const wait = retryDelaysMs[attempt - 1];
      if (wait !== undefined) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } finally {
    await dispatcher.close();
  }
  const attempts = retryDelaysMs.length + 1;
  const dead: DeadLetterItem = {
    entity: 'webhook-dead-letter',
    subscriptionId: subscription.id,
    msgId: message.msgId,
    type: message.type,
    body: message.body,
    attempts,
    lastError,
    failedAt: ctx.now().toISOString(),
    expiresAt: message.expiresAt,
  };
  // The dead letter is new information about a message only this sender holds: no condition needed.
  await ctx.store.putAll([{ ...webhookKeys.deadLetter(subscription.id, message.hash), ...dead }]);
  await ctx.store.annotate(key, { status: 'dead', attempts, lastError });
}

/** One attempt: the empty string when the receiver took it (2xx), else why not. */
async function attemptOnce(
  url: string,
  secret: string,
  message: MessageItem,
  now: Date,
  dispatcher: Agent,
): Promise<string> {
  const body = Buffer.from(message.body);
  const headers = signDelivery({ scheme: 'standard-webhooks', secret, body, id: message.msgId, now });
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Berth-Webhooks/1' },
      body,
      dispatcher,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? '' : `HTTP ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? (error as Error).message;
  }
}
