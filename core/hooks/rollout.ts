import { randomBytes } from 'node:crypto';
import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { sha256Hex } from '../crypto/secret-box.ts';
import { ConflictError, UnavailableError } from '../errors.ts';
import { takeLease } from '../store/writes.ts';
import { type DeliveryItem, type EventOutcome, epochSeconds, recordStage } from './deliveries.ts';
import { type HookItem, type HookTarget, targetKey } from './hook-item.ts';
import { hookKeys } from '../store/keys.ts';
import { type ApprovalItem, requestApproval } from './approvals.ts';
import { isForward } from './policy.ts';
import { openTarget } from './targets.ts';

type Deps = { ctx: CoreContext; connections: ClusterConnections };

/** How long rollouts of one image to one target count as one: a burst of deliveries for it collapses into the first. */
export const COLLAPSE_WINDOW_SECONDS = 600;
/** How long a worker may wait for another one's rollout of the same target. */
const LEASE_WAIT_MS = 60_000;

/** One step a delivery would take on one target. */
export type PlanStep = {
  target: string;
  from: string | null;
  to: string;
  verdict: 'roll' | 'skip';
  reason: string | null;
};

type LeaseItem = { lastEventAt?: string; lastImage?: string };

/** Stands for a rollout of one image to one target, done or under way, for the collapse window. */
type RolloutMarker = { hookId: string; recordId: string; image: string };
const rolloutMarker = (key: string, image: string) => hookKeys.rollout(key, sha256Hex(image));
const collapsedReason = (key: string, image: string, marker: RolloutMarker | undefined) =>
  `${image} was rolled out to ${key}, or is being rolled out, by delivery ${marker?.recordId ?? '(just finished)'}`;

const eventOf = (event: EventOutcome) => ({
  tag: event.tag,
  digest: event.digest ?? undefined,
  time: event.time ? new Date(event.time) : undefined,
});

/** What moving each target to the event's image would do, read from the cluster, without acting. */
export async function planEvent(deps: Deps, hook: HookItem, event: EventOutcome): Promise<PlanStep[]> {
  const steps: PlanStep[] = [];
  for (const target of hook.targets) steps.push(await planTarget(deps, hook, target, event));
  return steps;
}

async function planTarget(deps: Deps, hook: HookItem, target: HookTarget, event: EventOutcome): Promise<PlanStep> {
  const key = targetKey(target);
  const to = event.image ?? '';
  try {
    const marker = await deps.ctx.store.get<RolloutMarker>(rolloutMarker(key, to));
    if (marker) return { target: key, from: null, to, verdict: 'skip', reason: collapsedReason(key, to, marker) };
    const from = await (await openTarget(deps, hook, target)).currentImage();
    const lease = await deps.ctx.store.get<LeaseItem>(hookKeys.targetLease(key));
    const forward = isForward(hook, eventOf(event), from, lease?.lastEventAt);
    return { target: key, from, to, verdict: forward.ok ? 'roll' : 'skip', reason: forward.ok ? null : forward.reason };
  } catch (error) {
    return { target: key, from: null, to, verdict: 'skip', reason: (error as Error).message };
  }
}

/**
 * Carries out an accepted delivery (the stream worker calls this when its
 * record is written): for each accepted event and each target, one rollout at
 * a time per target under a lease, behind the health gate, rolled back to the
 * previous image when the gate fails; or, when the hook asks for approvals,
 * an approval request instead. Every stage is recorded.
 */
export async function runDelivery(deps: Deps, delivery: DeliveryItem): Promise<void> {
  if (delivery.verdict !== 'accepted' || !delivery.outcome) return;
  const hook = await deps.ctx.store.get<HookItem>(hookKeys.hook(delivery.hookId));
  if (!hook) return;
  for (const event of delivery.outcome.events) {
    const image = event.image;
    if (event.verdict !== 'accepted' || !image) continue;
    const { approval } = hook;
    // A dry run only plans, so there is nothing to approve.
    if (approval && !hook.dryRun)
      await requestApproval(deps.ctx, { ...hook, approval }, delivery.recordId, { ...event, image });
    else
      for (const target of hook.targets) await rollTarget(deps, hook, delivery.recordId, target, { ...event, image });
  }
}

/** Rolls out an event its approvers approved (the stream worker calls this when the approval is decided). */
export async function runApproved(deps: Deps, approval: ApprovalItem): Promise<void> {
  if (approval.status !== 'approved') return;
  const hook = await deps.ctx.store.get<HookItem>(hookKeys.hook(approval.hookId));
  if (!hook) return;
  for (const target of hook.targets) await rollTarget(deps, hook, approval.recordId, target, approval.event);
}

async function rollTarget(
  deps: Deps,
  hook: HookItem,
  recordId: string,
  target: HookTarget,
  event: EventOutcome & { image: string },
): Promise<void> {
  const { ctx } = deps;
  const key = targetKey(target);
  const stage = (name: Parameters<typeof recordStage>[3]['stage'], detail: string, from?: string | null) =>
    recordStage(ctx, hook.id, recordId, { stage: name, detail, target: key, from: from ?? null, to: event.image });

  if (hook.dryRun) {
    const step = await planTarget(deps, hook, target, event);
    return stage('plan', `dry run: would ${step.verdict === 'roll' ? 'roll' : `skip (${step.reason})`}`, step.from);
  }
  const marker = rolloutMarker(key, event.image);
  try {
    // The first delivery of this image for this target rolls it out; repeats within the window collapse into it.
    await ctx.store.create(
      marker,
      {
        hookId: hook.id,
        recordId,
        image: event.image,
        expiresAt: epochSeconds(ctx.now(), COLLAPSE_WINDOW_SECONDS),
      } satisfies RolloutMarker & { expiresAt: number },
      'a rollout of this image to this target is already under way',
    );
  } catch (error) {
    if (error instanceof ConflictError)
      return stage('collapsed', collapsedReason(key, event.image, await ctx.store.get<RolloutMarker>(marker)));
    throw error;
  }

  const holder = `${recordId}/${randomBytes(4).toString('hex')}`;
  try {
    await acquireLease(deps, key, holder, hook.healthTimeoutSeconds);
  } catch (error) {
    // Nothing was done: the stream's retry, or a re-drive, must not collapse into this attempt.
    await ctx.store.remove(marker);
    throw error;
  }
  try {
    const port = await openTarget(deps, hook, target);
    const from = await port.currentImage();
    const lease = await ctx.store.get<LeaseItem>(hookKeys.targetLease(key));
    const forward = isForward(hook, eventOf(event), from, lease?.lastEventAt);
    if (!forward.ok) return await stage('skipped', forward.reason, from);
    await stage('plan', `roll ${key} from ${from} to ${event.image}`, from);
    await stage('rollout', await port.setImage(event.image, 'rollout'), from);
    const gate = await port.waitUntilAvailable(hook.healthTimeoutSeconds * 1000);
    if (gate.healthy) {
      await stage('health', 'every replica updated and available', from);
      await ctx.store.annotate(
        hookKeys.targetLease(key),
        { lastEventAt: event.time ?? ctx.now().toISOString(), lastImage: event.image },
        { leaseHolder: holder },
      );
      return;
    }
    await stage('health', `failed: ${gate.reason}`, from);
    await port.setImage(from, 'rollback');
    const back = await port.waitUntilAvailable(hook.healthTimeoutSeconds * 1000);
    await recordStage(ctx, hook.id, recordId, {
      stage: 'rollback',
      detail: back.healthy ? `${from} put back and available` : `${from} put back; still not available: ${back.reason}`,
      target: key,
      from: event.image,
      to: from,
    });
  } catch (error) {
    // A failed rollout is no rollout to collapse into: a re-drive may try again (no downgrade still holds).
    await ctx.store.remove(marker);
    await stage('failed', (error as Error).message);
  } finally {
    await ctx.store.annotate(hookKeys.targetLease(key), { leaseUntil: 0 }, { leaseHolder: holder });
  }
}

/** Waits for the target's lease; it outlives the longest rollout (two health gates) so a live holder keeps it. */
async function acquireLease(deps: Deps, key: string, holder: string, healthTimeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + LEASE_WAIT_MS;
  for (;;) {
    const now = deps.ctx.now().getTime();
    try {
      await deps.ctx.store.transact(
        [takeLease(hookKeys.targetLease(key), holder, now + (2 * healthTimeoutSeconds + 60) * 1000, now)],
        `target ${key} is being rolled out by another delivery`,
      );
      return;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (Date.now() > deadline) throw new UnavailableError(`target ${key} stayed busy for ${LEASE_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
