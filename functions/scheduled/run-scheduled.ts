import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { sweepExpiredOrders } from '../../core/orders/sweep-expired-orders.ts';
import { jsonLogLine, type LogLine } from '../http/request-log.ts';

export type ScheduledDeps = { ctx: CoreContext; connections: ClusterConnections; log?: LogLine };

/** What runs every minute: the deployed cron function and the local server call this same function. */
export async function runScheduledJobs({ ctx, connections, log = jsonLogLine }: ScheduledDeps) {
  const swept = await sweepExpiredOrders({ ctx, connections });
  if (swept.removed.length > 0 || swept.failed.length > 0)
    log({ level: swept.failed.length > 0 ? 'warn' : 'info', msg: 'expired V-Kube orders swept', ...swept });
  return { swept };
}
