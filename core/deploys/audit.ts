import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { orderAndPage, type PageRequest, type Paged } from '../paging.ts';
import { keys } from '../store/keys.ts';
import { deleteExisting, putItem, updateAtVersion } from '../store/writes.ts';
import type { DeployHistoryItem, DeployItem, DeployType } from './deploy-item.ts';
import { approvedChanges, countWrites, updateDeploy } from './record-change.ts';
import type { AuditInput } from './schemas.ts';

/** A change a user-role token asked for, waiting for (or given) an admin's decision. */
export type AuditItem = {
  entity: 'ote-audit';
  auditId: number;
  deployId: number;
  seq: number;
  businessName: string;
  appName: string;
  appVersion: string;
  cluster: string;
  deployType: DeployType;
  comment: string;
  requestedBy: string;
  createdAt: string;
  /** 0 waiting, 1 approved, 2 disapproved. */
  status: 0 | 1 | 2;
  decidedBy?: string;
  decidedAt?: string;
  decisionComment?: string;
  version: number;
};

/** Changes waiting for a decision; `businessName` filters on the application's project. */
export async function listPendingAudits({
  ctx,
  businessName,
  paging,
}: {
  ctx: CoreContext;
  businessName: string | undefined;
  paging: PageRequest;
}): Promise<Paged<AuditItem>> {
  const pending = await ctx.store.listAll<AuditItem>(keys.otePendingAudits);
  const matches = pending.filter((audit) => !businessName || audit.businessName === businessName);
  return orderAndPage(matches, (audit) => audit.auditId, paging);
}

/**
 * Approves (1) or disapproves (2) a waiting change. An approved change goes
 * to the worker; the decision, its comment, who and when stay in the
 * deployment's history. Deciding twice is a Conflict.
 */
export async function decideAudit({
  ctx,
  principal,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  input: AuditInput;
}): Promise<AuditItem> {
  const audit = await ctx.store.get<AuditItem>(keys.oteAudit(input.id));
  if (!audit) throw new NotFoundError('audit', String(input.id));
  if (audit.status !== 0)
    throw new ConflictError(`audit ${audit.auditId} was already ${audit.status === 1 ? 'approved' : 'disapproved'}`);
  const deploy = await ctx.store.get<DeployItem>(keys.oteDeploy(audit.deployId));
  const change = deploy?.pending;
  if (!deploy || deploy.status !== 0 || change?.auditId !== audit.auditId)
    throw new ConflictError(`the change of audit ${audit.auditId} is no longer pending`);
  const history = await ctx.store.get<DeployHistoryItem>(keys.oteDeployHistory(deploy.id, change.seq));
  const now = ctx.now().toISOString();
  const approve = input.status === 1;
  const decision = { decidedBy: principal.name, decidedAt: now, decisionComment: input.comment };
  const deployChanges = approve
    ? { ...approvedChanges(deploy, change), auditComment: input.comment, updatedAt: now }
    : { status: 2, pending: null, auditComment: input.comment, updatedAt: now };
  await ctx.store.transact(
    [
      // Of two admins deciding at once, the second finds the audit moved on.
      updateAtVersion(
        keys.oteAudit(audit.auditId),
        audit.version,
        { status: input.status, ...decision },
        `audit ${audit.auditId} was decided meanwhile`,
      ),
      deleteExisting(keys.otePendingAudit(audit.auditId), `audit ${audit.auditId} was decided meanwhile`),
      updateDeploy(deploy, deployChanges),
      putItem({
        ...keys.oteDeployHistory(deploy.id, change.seq),
        ...history,
        audit: approve ? 'approved' : 'disapproved',
        auditComment: input.comment,
        auditedBy: principal.name,
        auditedAt: now,
      }),
      ...(approve ? countWrites(deploy, change, false, false) : []),
    ],
    `audit ${audit.auditId} could not be decided`,
  );
  return { ...audit, status: input.status, ...decision };
}
