import type { Context } from 'hono';
import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { listPendingApprovals, voteOnApproval } from '../../core/hooks/approvals.ts';
import { getDelivery, listDeliveries } from '../../core/hooks/deliveries.ts';
import { redriveDelivery } from '../../core/hooks/redrive.ts';
import { createHook, deleteHook, getHook, listHooks, rotateHookSecret } from '../../core/hooks/manage-hooks.ts';
import { testDelivery } from '../../core/hooks/test-delivery.ts';
import type { OutboundPolicy } from '../../core/webhooks/address-guard.ts';
import {
  createSubscription,
  deleteSubscription,
  listDeadLetters,
  listSubscriptions,
} from '../../core/webhooks/subscriptions.ts';
import type { Route } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import { hookAdminRoutes as routes } from './routes.ts';
import {
  approvalView,
  eventView,
  deadLetterView,
  deliveryView,
  hookView,
  planView,
  stageView,
  subscriptionView,
} from './views.ts';

const DEFAULT_GRACE_SECONDS = 24 * 3600;

/**
 * Where callers reach Berth, for the hook URL: the host they asked for
 * (behind the Router, the forwarded one), not the function's own.
 */
function origin(c: Context<BerthEnv>): string {
  const url = new URL(c.req.url);
  const host = c.req.header('x-forwarded-host') ?? url.host;
  const proto = c.req.header('x-forwarded-proto') ?? url.protocol.replace(':', '');
  return `${proto}://${host}`;
}

/** Mounts the hook, approval and outbound webhook admin routes on the admin group. */
export function mountHookAdmin(
  route: Route,
  { ctx, connections, outbound }: { ctx: CoreContext; connections: ClusterConnections; outbound: OutboundPolicy },
) {
  route(routes.createHook, async (c, { body }) => {
    const { hook, secret } = await createHook({ ctx, input: body });
    return c.json({ ...hookView(hook, origin(c)), secret }, 201);
  });
  route(routes.listHooks, async (c, { query }) => {
    const page = await listHooks({ ctx, ...query });
    return c.json({ items: page.items.map((hook) => hookView(hook, origin(c))), next_cursor: page.cursor ?? null });
  });
  route(routes.getHook, async (c, { params }) => c.json(hookView(await getHook({ ctx, id: params.id }), origin(c))));
  route(routes.deleteHook, async (c, { params }) => {
    await deleteHook({ ctx, id: params.id });
    return c.body(null, 204);
  });
  route(routes.rotateHookSecret, async (c, { params, body }) => {
    const graceSeconds = body.grace_seconds ?? DEFAULT_GRACE_SECONDS;
    const { hook, secret } = await rotateHookSecret({ ctx, id: params.id, graceSeconds });
    return c.json({ ...hookView(hook, origin(c)), secret });
  });
  route(routes.testHook, async (c, { params, body }) => {
    const report = await testDelivery({ ctx, connections, id: params.id, ...body });
    return c.json({
      signature: report.signature,
      error: report.error,
      delivery_id: report.deliveryId,
      verdict: report.verdict,
      events: report.events,
      ignored: report.ignored,
      plan: report.plan.map(planView),
    });
  });
  route(routes.listHookDeliveries, async (c, { params, query }) => {
    const page = await listDeliveries({ ctx, hookId: params.id, ...query });
    return c.json({ items: page.items.map(deliveryView), next_cursor: page.cursor ?? null });
  });
  route(routes.getHookDelivery, async (c, { params }) => {
    const { delivery, stages } = await getDelivery({ ctx, hookId: params.id, recordId: params.recordId });
    return c.json({ ...deliveryView(delivery), stages: stages.map(stageView) });
  });
  route(routes.redriveHookDelivery, async (c, { params }) => {
    const principal = c.get('principal');
    const redrive = await redriveDelivery(
      { ctx, connections },
      { hookId: params.id, recordId: params.recordId, principal },
    );
    return c.json(
      {
        record_id: redrive.recordId,
        redriven_by: redrive.by,
        verdict: redrive.acting ? 'redriven' : 'nothing-to-do',
        approval_required: redrive.approvalRequired,
        events: redrive.events.map(eventView),
        plan: redrive.plan.map(planView),
      },
      redrive.acting ? 202 : 200,
    );
  });
  route(routes.listApprovals, async (c) => c.json({ items: (await listPendingApprovals(ctx)).map(approvalView) }));
  route(routes.voteOnApproval, async (c, { params, body }) => {
    const approval = await voteOnApproval({ ctx, principal: c.get('principal'), ...params, input: body });
    return c.json(approvalView(approval));
  });
  route(routes.createWebhook, async (c, { body }) => {
    const { subscription, secret } = await createSubscription({ ctx, policy: outbound, input: body });
    return c.json({ ...subscriptionView(subscription), secret }, 201);
  });
  route(routes.listWebhooks, async (c, { query }) => {
    const page = await listSubscriptions({ ctx, ...query });
    return c.json({ items: page.items.map(subscriptionView), next_cursor: page.cursor ?? null });
  });
  route(routes.deleteWebhook, async (c, { params }) => {
    await deleteSubscription({ ctx, id: params.id });
    return c.body(null, 204);
  });
  route(routes.listWebhookDeadLetters, async (c, { params }) =>
    c.json({ items: (await listDeadLetters({ ctx, id: params.id })).map(deadLetterView) }),
  );
}
