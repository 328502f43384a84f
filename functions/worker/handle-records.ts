import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import { probeCluster } from '../../core/clusters/manage-clusters.ts';
import { failOperation, runOperation } from '../../core/environments/run-operation.ts';
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

/** Attempts at one record before it is given up as poison: a blip passes in that time, a bug does not. */
export const RECORD_ATTEMPTS = 3;

/**
 * Routes each table change to the work it triggers. The same function serves
 * the deployed stream subscription and the local stream poller. Records are
 * handled one by one, in stream order. A record whose work throws on every
 * attempt is poison: an operation ends failed with its error, and the records
 * after it are still handled; only a failure nothing could be recorded for
 * fails the batch (after every record had its turn), for the stream to report.
 */
export async function handleRecords(
  records: StreamRecord[],
  deps: WorkerDeps,
  { retryDelayMs = 100 }: { retryDelayMs?: number } = {},
): Promise<void> {
  const unrecorded: string[] = [];
  for (const record of records) {
    const change = toItemChange(record);
    if (!change) continue;
    const error = await lastErrorOf(() => handleChange(change, deps), retryDelayMs);
    if (error === undefined) continue;
    const recorded = await recordPoison(change, error, deps).catch(() => false);
    if (!recorded) unrecorded.push(`${String(change.newItem?.['entity'])} ${String(change.newItem?.['id'])}: ${error}`);
  }
  if (unrecorded.length > 0)
    throw new Error(`stream records failed ${RECORD_ATTEMPTS} times: ${unrecorded.join('; ')}`);
}

/** Runs the work up to RECORD_ATTEMPTS times; the last error's message, or undefined once it succeeds. */
async function lastErrorOf(work: () => Promise<void>, retryDelayMs: number): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return undefined;
    } catch (error) {
      if (attempt >= RECORD_ATTEMPTS) return error instanceof Error ? error.message : String(error);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
    }
  }
}

/** Records a poison record's failure where its owner will look; false when this kind of record has no such place. */
async function recordPoison(change: ItemChange, error: string, deps: WorkerDeps): Promise<boolean> {
  const item = change.newItem;
  if (item?.['entity'] !== 'operation') return false;
  await failOperation({ ctx: deps.ctx, id: String(item['id']), error });
  return true;
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
