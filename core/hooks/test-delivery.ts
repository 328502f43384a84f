import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import type { EventOutcome } from './deliveries.ts';
import { readHook } from './hook-item.ts';
import { inspectDelivery } from './receive-delivery.ts';
import { planEvent, type PlanStep } from './rollout.ts';

export type TestReport = {
  signature: 'valid' | 'invalid';
  /** Why the delivery would be refused (signature, shape), when it would be. */
  error: { code: string; message: string } | null;
  deliveryId: string | null;
  verdict: 'accepted' | 'ignored' | 'pong' | 'rejected';
  events: EventOutcome[];
  ignored: string[];
  plan: PlanStep[];
};

/**
 * What the hook would do with a sample delivery (its body and headers as the
 * sender would send them): the signature check, the events, and for each
 * accepted event the plan per target, read from the cluster. Nothing is
 * recorded or changed.
 */
export async function testDelivery({
  ctx,
  connections,
  id,
  body,
  headers,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  id: string;
  body: string;
  headers: Record<string, string>;
}): Promise<TestReport> {
  const hook = await readHook(ctx, id);
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const inspection = inspectDelivery(ctx, hook, {
    header: (name) => lower[name.toLowerCase()],
    body: new TextEncoder().encode(body),
    // A sample ECR event is checked as EventBridge would hand it over.
    via: hook.auth === 'eventbridge' ? 'eventbridge' : 'http',
  });
  if (!inspection.ok)
    return {
      signature: inspection.error.code === 'Unauthorized' ? 'invalid' : 'valid',
      error: { code: inspection.error.code, message: inspection.error.message },
      deliveryId: inspection.deliveryId,
      verdict: 'rejected',
      events: [],
      ignored: [],
      plan: [],
    };
  const plan: PlanStep[] = [];
  for (const event of inspection.events)
    if (event.verdict === 'accepted') plan.push(...(await planEvent({ ctx, connections }, hook, event)));
  return {
    signature: 'valid',
    error: null,
    deliveryId: inspection.deliveryId,
    verdict: inspection.verdict,
    events: inspection.events,
    ignored: inspection.ignored,
    plan,
  };
}
