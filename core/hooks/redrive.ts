import type { Principal } from '../auth/schemas.ts';
import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { hookKeys } from '../store/keys.ts';
import { type DeliveryItem, type EventOutcome, getDelivery, recordStage, type StageItem } from './deliveries.ts';
import { type HookItem, readHook } from './hook-item.ts';
import { judgeEvent } from './receive-delivery.ts';
import { type PlanStep, planEvent, runDelivery } from './rollout.ts';

type Deps = { ctx: CoreContext; connections: ClusterConnections };

export type Redrive = {
  recordId: string;
  by: string;
  events: EventOutcome[];
  plan: PlanStep[];
  /** Whether the worker will change anything (roll, or ask approvers), as far as can be told now. */
  acting: boolean;
  approvalRequired: boolean;
};

/**
 * The delivery's events as recorded, judged again by the hook as it is now
 * (its policy may have changed since), without the age limit.
 */
function redrivenEvents(hook: HookItem, delivery: DeliveryItem): EventOutcome[] {
  return (delivery.outcome?.events ?? []).map((event) =>
    judgeEvent(
      hook,
      {
        repository: event.repository,
        host: undefined,
        tag: event.tag,
        digest: event.digest ?? undefined,
        time: event.time ? new Date(event.time) : undefined,
        actor: event.actor ?? undefined,
      },
      undefined,
    ),
  );
}

/**
 * Re-drives a stored delivery: records a `redriven` stage on it, which the
 * stream worker carries out (`runRedrive`) through the same path as a new
 * delivery's record, so the per-target collapse and no-downgrade rules decide
 * again and nothing already rolled out is rolled twice. Answers the events as
 * judged now and the plan per target.
 */
export async function redriveDelivery(
  { ctx, connections }: Deps,
  { hookId, recordId, principal }: { hookId: string; recordId: string; principal: Principal },
): Promise<Redrive> {
  const hook = await readHook(ctx, hookId);
  const { delivery } = await getDelivery({ ctx, hookId, recordId });
  if (!delivery.outcome)
    throw new ConflictError(
      `delivery ${recordId} was refused at the door (${delivery.reason ?? 'no reason recorded'}): it has no events to re-drive`,
    );
  const events = redrivenEvents(hook, delivery);
  const plan: PlanStep[] = [];
  for (const event of events)
    if (event.verdict === 'accepted') plan.push(...(await planEvent({ ctx, connections }, hook, event)));
  await recordStage(ctx, hookId, recordId, { stage: 'redriven', detail: `redriven by ${principal.name}` });
  return {
    recordId,
    by: principal.name,
    events,
    plan,
    acting: plan.some((step) => step.verdict === 'roll'),
    approvalRequired: Boolean(hook.approval) && !hook.dryRun,
  };
}

/** Carries a re-drive out (the stream worker calls this when its `redriven` stage is written). */
export async function runRedrive(deps: Deps, stage: StageItem): Promise<void> {
  const [hook, delivery] = await Promise.all([
    deps.ctx.store.get<HookItem>(hookKeys.hook(stage.hookId)),
    deps.ctx.store.get<DeliveryItem>(hookKeys.delivery(stage.hookId, stage.recordId)),
  ]);
  if (!hook || !delivery?.outcome) return;
  const events = redrivenEvents(hook, delivery);
  if (!events.some((event) => event.verdict === 'accepted')) return;
  await runDelivery(deps, { ...delivery, verdict: 'accepted', outcome: { ...delivery.outcome, events } });
}
