import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import { probeCluster } from '../../core/clusters/manage-clusters.ts';
import { runOperation } from '../../core/environments/run-operation.ts';
import type { DeliveryItem, StageItem } from '../../core/hooks/deliveries.ts';
import { runRedrive } from '../../core/hooks/redrive.ts';
import type { ApprovalItem } from '../../core/hooks/approvals.ts';
import { runApproved, runDelivery } from '../../core/hooks/rollout.ts';
import type { CoreContext } from '../../core/context.ts';
import { runDeploy } from '../../core/deploys/run-deploy.ts';
import { notificationsOf } from '../../core/webhooks/notifications.ts';
import {
  type MessageItem,
  queueNotifications,
  type SenderOptions,
  sendNotification,
} from '../../core/webhooks/send-notifications.ts';
import { toItemChange, type ItemChange, type StreamRecord } from './stream.ts';

export type WorkerDeps = { ctx: CoreContext; connections: ClusterConnections; outbound: SenderOptions };

/**
 * Routes each table change to the work it triggers. The same function serves
 * the deployed stream subscription and the local stream poller. Records are
 * handled one by one, in stream order.
 */
export async function handleRecords(records: StreamRecord[], deps: WorkerDeps): Promise<void> {
  for (const record of records) {
    const change = toItemChange(record);
    if (change) await handleChange(change, deps);
  }
}

async function handleChange(change: ItemChange, deps: WorkerDeps): Promise<void> {
  const item = change.newItem;
  // Told first: the work below may hold the stream for a health gate.
  await queueNotifications(deps.ctx, notificationsOf(change));
  if (item?.['entity'] === 'webhook-message' && change.event === 'INSERT')
    await sendNotification(deps.ctx, item as MessageItem, deps.outbound);
  if (item?.['entity'] === 'cluster' && kubeconfigChanged(change)) {
    await probeCluster({ ...deps, id: String(item['id']) });
  }
  if (item?.['entity'] === 'operation' && change.event === 'INSERT') {
    await runOperation({ ...deps, id: String(item['id']) });
  }
  if (item?.['entity'] === 'ote-deploy' && approvedNow(change)) {
    await runDeploy({ ...deps, id: Number(item['id']) });
  }
  if (item?.['entity'] === 'hook-delivery' && change.event === 'INSERT') await runDelivery(deps, item as DeliveryItem);
  if (item?.['entity'] === 'hook-stage' && item['stage'] === 'redriven' && change.event === 'INSERT')
    await runRedrive(deps, item as StageItem);
  if (item?.['entity'] === 'hook-approval' && item['status'] === 'approved' && change.oldItem?.['status'] === 'pending')
    await runApproved(deps, item as ApprovalItem);
}

/** An ote-stack deployment whose latest change was just approved (status 1): its own later writes are not. */
const approvedNow = (change: ItemChange): boolean =>
  change.newItem?.['status'] === 1 &&
  (change.oldItem?.['status'] !== 1 || change.oldItem['changes'] !== change.newItem['changes']);

/** The probe's own status write is a MODIFY too; only a new kubeconfig is worth a new probe. */
const kubeconfigChanged = (change: ItemChange): boolean =>
  change.event === 'INSERT' || change.oldItem?.['kubeconfigSealed'] !== change.newItem?.['kubeconfigSealed'];
