import type { CoreContext } from '../context.ts';
import { sha256Hex } from '../crypto/secret-box.ts';
import { ConflictError, DomainError, InvalidInputError, UnauthorizedError } from '../errors.ts';
import { createIfAbsent } from '../store/writes.ts';
import {
  DELIVERY_RETENTION_SECONDS,
  type DeliveryItem,
  type DeliveryOutcome,
  type EventOutcome,
  epochSeconds,
  newRecordId,
  recordStage,
  SEEN_RETENTION_SECONDS,
} from './deliveries.ts';
import { type HookItem, usableSecrets } from './hook-item.ts';
import { hookKeys } from '../store/keys.ts';
import { normalise, type ImageEvent } from './normalise.ts';
import { admitEvent, desiredImage } from './policy.ts';
import { type HeaderReader, verifySignature } from './signatures.ts';
import { createHash } from 'node:crypto';

/** `eventbridge`: handed over by an EventBridge rule (AWS vouches for it) rather than posted to the hook's URL. */
export type Delivery = { header: HeaderReader; body: Uint8Array; via?: 'http' | 'eventbridge' };

/** A delivery read at the door: proof checked first, then parsed, normalised and judged event by event. */
export type Inspection =
  | { ok: true; deliveryId: string; verdict: DeliveryOutcome['verdict']; events: EventOutcome[]; ignored: string[] }
  | { ok: false; error: DomainError; deliveryId: string | null };

export function inspectDelivery(ctx: CoreContext, hook: HookItem, { header, body, via }: Delivery): Inspection {
  const now = ctx.now();
  const signature =
    via === 'eventbridge' && hook.auth === 'eventbridge'
      ? { ok: true as const }
      : verifySignature({ scheme: hook.auth, secrets: usableSecrets(ctx, hook, now), header, body, now });
  if (!signature.ok) return { ok: false, error: new UnauthorizedError(signature.reason), deliveryId: null };
  const bodyId = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return { ok: false, error: new InvalidInputError('body is not JSON', 'body'), deliveryId: bodyId };
  }
  let delivery: ReturnType<typeof normalise>;
  try {
    delivery = normalise(hook.source, payload, header);
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, error, deliveryId: bodyId };
    throw error;
  }
  const events = delivery.events.map((event) => judgeEvent(hook, event, now));
  const verdict = delivery.ping
    ? 'pong'
    : events.some((event) => event.verdict === 'accepted')
      ? 'accepted'
      : 'ignored';
  return { ok: true, deliveryId: delivery.senderId ?? bodyId, verdict, events, ignored: delivery.ignored };
}

/**
 * Whether the hook acts on one event: its policy, and, when `now` is given,
 * its age (a re-drive passes none: an admin's deliberate act is no replay).
 */
export function judgeEvent(hook: HookItem, event: ImageEvent, now: Date | undefined): EventOutcome {
  const shown = {
    repository: event.repository,
    tag: event.tag,
    digest: event.digest ?? null,
    time: event.time?.toISOString() ?? null,
    actor: event.actor ?? null,
  };
  if (now && event.time && now.getTime() - event.time.getTime() > hook.maxEventAgeSeconds * 1000)
    return {
      ...shown,
      image: null,
      verdict: 'stale',
      reason: `the push is older than ${hook.maxEventAgeSeconds} s (a replay, or a delivery retried too late)`,
    };
  const admitted = admitEvent(hook, event);
  return admitted.ok
    ? { ...shown, image: desiredImage(hook, event), verdict: 'accepted', reason: null }
    : { ...shown, image: null, verdict: 'ignored', reason: admitted.reason };
}

/**
 * Receives one delivery. Its id is recorded with a conditional write (and a
 * TTL) in the same transaction as its record, before anything acts on it:
 * the stream worker rolls accepted events out from that record. A repeat of
 * a recorded id answers what the first answer was and does nothing else.
 * Refused deliveries are recorded too, with why.
 *
 * @example await receiveDelivery({ ctx, hook, delivery: { header: (name) => headers.get(name), body } })
 */
export async function receiveDelivery({
  ctx,
  hook,
  delivery,
}: {
  ctx: CoreContext;
  hook: HookItem;
  delivery: Delivery;
}): Promise<{ outcome: DeliveryOutcome; duplicate: boolean }> {
  const inspection = inspectDelivery(ctx, hook, delivery);
  const now = ctx.now();
  const recordId = newRecordId(now);
  const record = {
    ...hookKeys.delivery(hook.id, recordId),
    entity: 'hook-delivery',
    hookId: hook.id,
    recordId,
    receivedAt: now.toISOString(),
    expiresAt: epochSeconds(now, DELIVERY_RETENTION_SECONDS),
  } as const;
  if (!inspection.ok) {
    const rejected: DeliveryItem = {
      ...record,
      deliveryId: inspection.deliveryId,
      verdict: 'rejected',
      reason: inspection.error.message,
      outcome: null,
    };
    await ctx.store.putAll([rejected as DeliveryItem & typeof record]);
    throw inspection.error;
  }
  const outcome: DeliveryOutcome = {
    recordId,
    deliveryId: inspection.deliveryId,
    verdict: inspection.verdict,
    events: inspection.events,
    ignored: inspection.ignored,
    dryRun: hook.dryRun,
  };
  const seenKey = hookKeys.seen(hook.id, sha256Hex(inspection.deliveryId));
  try {
    await ctx.store.transact(
      [
        // Two deliveries with one id racing: only one records it, the other answers as a repeat.
        createIfAbsent({ ...seenKey, outcome, expiresAt: epochSeconds(now, SEEN_RETENTION_SECONDS) }),
        createIfAbsent({
          ...record,
          deliveryId: inspection.deliveryId,
          verdict: inspection.verdict,
          reason: null,
          outcome,
        } satisfies DeliveryItem & typeof record),
      ],
      'the delivery could not be recorded',
    );
    return { outcome, duplicate: false };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const seen = await ctx.store.get<{ outcome: DeliveryOutcome }>(seenKey);
    if (!seen) throw error;
    await recordStage(ctx, hook.id, seen.outcome.recordId, {
      stage: 'duplicate',
      detail: `delivery ${inspection.deliveryId} received again at ${now.toISOString()}; answered as the first time, nothing done`,
    });
    return { outcome: seen.outcome, duplicate: true };
  }
}
