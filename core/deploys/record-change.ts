import type { Principal } from '../auth/schemas.ts';
import type { AppItem } from '../apps/app-item.ts';
import { appDeployments } from '../apps/manage-apps.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, putItem, updateAtVersion, type Write } from '../store/writes.ts';
import {
  isEditable,
  type DeployChange,
  type DeployHistoryItem,
  type DeployItem,
  type DeployType,
} from './deploy-item.ts';

/**
 * Records a change of a deployment: carried out at once (status 1, for the
 * worker) when an admin asks, waiting for an audit (status 0) when a
 * user-role token does. One transaction: the deployment, its history entry,
 * and either the audit or the application counts.
 */
export async function recordChange({
  ctx,
  principal,
  deploy,
  deployType,
  app,
  comment,
  isNew = false,
}: {
  ctx: CoreContext;
  principal: Principal;
  deploy: DeployItem;
  deployType: DeployType;
  app: Pick<AppItem, 'id' | 'appVersion'>;
  comment: string;
  /** A deployment not yet in the table (with `changes` 0): created by this change, its name claimed. */
  isNew?: boolean;
}): Promise<DeployItem> {
  const change: DeployChange = {
    seq: deploy.changes + 1,
    deployType,
    appId: app.id,
    appVersion: app.appVersion,
    comment,
    requestedBy: principal.name,
    requestedAt: ctx.now().toISOString(),
  };
  const needsAudit = principal.role !== 'admin';
  if (needsAudit) change.auditId = await ctx.store.nextId(keys.counter('ote-audit'));
  const history: DeployHistoryItem = {
    entity: 'ote-deploy-history',
    deployId: deploy.id,
    seq: change.seq,
    deployType,
    appVersion: app.appVersion,
    comment,
    requestedBy: principal.name,
    requestedAt: change.requestedAt,
    audit: needsAudit ? 'pending' : 'not needed',
    auditComment: null,
    auditedBy: null,
    auditedAt: null,
  };
  const changes = needsAudit
    ? { status: 0, deployType, pending: change, changes: change.seq, updatedAt: change.requestedAt }
    : { ...approvedChanges(deploy, change), changes: change.seq };
  const writes: Write[] = [
    ...(isNew ? createWrites({ ...deploy, ...changes } as DeployItem) : [updateDeploy(deploy, changes)]),
    putItem({ ...keys.oteDeployHistory(deploy.id, change.seq), ...history }),
    // A pending new deployment counts on its application already: the application cannot go while it waits.
    ...countWrites(deploy, change, isNew, needsAudit),
    ...(needsAudit ? auditWrites(deploy, change) : []),
  ];
  await ctx.store.transact(writes, `deployment "${deploy.deployName}" changed meanwhile; read it again`);
  return { ...deploy, ...changes } as DeployItem;
}

/** A change may start only from a settled deployment: nothing waiting for audit, nothing being carried out. */
export function requireEditable(deploy: DeployItem): void {
  if (deploy.status === 9) throw new ConflictError(`deployment "${deploy.deployName}" is deleted`);
  if (!isEditable(deploy.status)) {
    const what = deploy.status === 0 ? 'waits for its audit' : 'is being carried out';
    throw new ConflictError(
      `deployment "${deploy.deployName}" is not editable: its last change ${what} (status ${deploy.status}); try again once it settles`,
    );
  }
}

/** What an approved change sets on the deployment, so the worker carries it out. */
export const approvedChanges = (deploy: DeployItem, change: DeployChange) => ({
  status: 1,
  work: change,
  pending: null,
  deployType: change.deployType,
  appId: change.appId,
  appVersion: change.appVersion,
  comment: change.comment,
  errorMessage: null,
  updatedAt: change.requestedAt,
  clusterIds: deploy.clusterIds,
});

/** A deployment counts on the application version it runs: moved when an approved change switches versions. */
export function countWrites(deploy: DeployItem, change: DeployChange, isNew: boolean, pending: boolean): Write[] {
  if (isNew) return [appDeployments(change.appId, 1)];
  if (pending || change.appId === deploy.appId) return [];
  return [appDeployments(change.appId, 1), appDeployments(deploy.appId, -1)];
}

export const updateDeploy = (deploy: DeployItem, changes: Record<string, unknown>) =>
  // Guards against two changes read from the same version both being recorded.
  updateAtVersion(
    keys.oteDeploy(deploy.id),
    deploy.version,
    changes,
    `deployment "${deploy.deployName}" changed meanwhile; read it again`,
  );

function createWrites(deploy: DeployItem): Write[] {
  return [
    // Names are unique among deployments not deleted; the claim goes when the deletion completes.
    createIfAbsent(
      { ...keys.oteDeployName(deploy.deployName), deployId: deploy.id },
      `deployment "${deploy.deployName}" already exists`,
    ),
    createIfAbsent({ ...keys.oteDeploy(deploy.id), ...deploy }),
  ];
}

function auditWrites(deploy: DeployItem, change: DeployChange): Write[] {
  const auditId = change.auditId!;
  const audit = {
    entity: 'ote-audit',
    auditId,
    deployId: deploy.id,
    seq: change.seq,
    businessName: deploy.projectName,
    appName: deploy.appName,
    appVersion: change.appVersion,
    cluster: deploy.cluster,
    deployType: change.deployType,
    comment: change.comment,
    requestedBy: change.requestedBy,
    createdAt: change.requestedAt,
    status: 0,
    version: 1,
  };
  return [
    createIfAbsent({ ...keys.oteAudit(auditId), ...audit }),
    createIfAbsent({ ...keys.otePendingAudit(auditId), ...audit }),
  ];
}
