import type { Principal } from '../auth/schemas.ts';
import { canUseProject } from '../apps/app-item.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';

/** 1 new deployment, 2 upgrade, 3 rollback, 4 deletion. */
export type DeployType = 1 | 2 | 3 | 4;

/**
 * 0 pending (audit), 1 approved, 2 disapproved, 3 processing, 4 deploying,
 * 5 success, 6 partial success, 7 failed, 8 internal error, 9 deleted.
 */
export type DeployStatus = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
export const DeployStatus = {
  pending: 0,
  approved: 1,
  disapproved: 2,
  processing: 3,
  deploying: 4,
  success: 5,
  partialSuccess: 6,
  failed: 7,
  internalError: 8,
  deleted: 9,
} as const satisfies Record<string, DeployStatus>;

/** Statuses in which nothing is waiting or running, so a new change may start. */
const SETTLED: ReadonlySet<DeployStatus> = new Set([2, 5, 6, 7, 8]);
export const isEditable = (status: DeployStatus): boolean => SETTLED.has(status);

/** A change asked for: what the worker carries out once approved. */
export type DeployChange = {
  seq: number;
  deployType: DeployType;
  appId: number;
  appVersion: string;
  comment: string;
  requestedBy: string;
  requestedAt: string;
  /** The audit that decides it, when a user-role token asked. */
  auditId?: number;
};

/**
 * A deployment of an application (name and current version) to the
 * registered clusters whose labels match `cluster`. Changes are recorded
 * first (history, audit) and carried out by the stream worker, which moves
 * `status` and reports pod counts in `errorMessage`.
 */
export type DeployItem = {
  entity: 'ote-deploy';
  id: number;
  deployName: string;
  projectName: string;
  appName: string;
  /** The application version deployed (or, for a pending new deployment, to be deployed). */
  appId: number;
  appVersion: string;
  cluster: string;
  nodeLabel: string;
  comment: string;
  deployType: DeployType;
  status: DeployStatus;
  /** `{"running":N,"error":N,"total":N}` from the pods, and `reason` when the work itself failed. */
  errorMessage: string | null;
  auditComment: string | null;
  /** A change waiting for its audit. */
  pending: DeployChange | null;
  /** The approved change the worker carries out (or carried out last). */
  work: DeployChange | null;
  /** How many changes the history holds. */
  changes: number;
  /** Registered clusters the worker applied to, so a deletion finds them after labels change. */
  clusterIds: string[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

/** One change in a deployment's history, with its audit decision. */
export type DeployHistoryItem = {
  entity: 'ote-deploy-history';
  deployId: number;
  seq: number;
  deployType: DeployType;
  appVersion: string;
  comment: string;
  requestedBy: string;
  requestedAt: string;
  audit: 'pending' | 'approved' | 'disapproved' | 'not needed';
  auditComment: string | null;
  auditedBy: string | null;
  auditedAt: string | null;
};

export const OTE_NAMESPACE = 'berth-ote';

export async function readDeploy(ctx: CoreContext, principal: Principal, id: number): Promise<DeployItem> {
  const item = await ctx.store.get<DeployItem>(keys.oteDeploy(id));
  if (!item || !canUseProject(principal, item.projectName)) throw new NotFoundError('deployment', String(id));
  return item;
}

/** The live (not deleted) deployment called `name`. */
export async function readDeployByName(ctx: CoreContext, principal: Principal, name: string): Promise<DeployItem> {
  const lookup = await ctx.store.get<{ deployId: number }>(keys.oteDeployName(name));
  if (!lookup) throw new NotFoundError('deployment', name);
  const item = await ctx.store.get<DeployItem>(keys.oteDeploy(lookup.deployId));
  if (!item || !canUseProject(principal, item.projectName)) throw new NotFoundError('deployment', name);
  return item;
}

export const readHistory = (ctx: CoreContext, deployId: number) =>
  ctx.store.listAll<DeployHistoryItem>(keys.oteDeployHistories(deployId));
