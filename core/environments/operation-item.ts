import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import type { ApplyResult } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { ServiceScope } from '../services/scope.ts';
import type { EnvConfig, EnvConfigType } from './schemas.ts';

export type OperationKind =
  | 'create-environment'
  | 'edit-environment'
  | 'delete-environment'
  | 'add-services'
  | 'update-services'
  | 'delete-services'
  | 'update-variables';

export type OperationState = 'pending' | 'running' | 'success' | 'failed';

export type ServiceResult = { outcome: 'applied' | 'deleted' | 'failed'; message?: string; objects: ApplyResult[] };

/**
 * A change to an environment, recorded when it is asked for and carried out
 * by the stream worker. Operations expire from the table after 30 days.
 */
export type OperationItem = {
  entity: 'operation';
  id: string;
  kind: OperationKind;
  project: string;
  scope: ServiceScope;
  env: string;
  /** The env services this operation applies or removes. */
  services: string[];
  /** Delete what was applied (environment and service deletion). */
  deleteResources: boolean;
  /** Environment configurations to apply on creation, their YAML sealed (a Secret's values never rest in clear). */
  configs: Array<{ type: EnvConfigType; sealed: string }>;
  /** The operation this one retries, if any. */
  retryOf?: string;
  state: OperationState;
  results: Record<string, ServiceResult>;
  error?: string | null;
  createdBy: string;
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  expiresAt: number;
};

const THIRTY_DAYS_S = 30 * 24 * 3600;

export function newOperation(
  ctx: CoreContext,
  principal: Pick<Principal, 'name'>,
  target: { project: string; scope: ServiceScope; env: string },
  kind: OperationKind,
  options: { services?: string[]; deleteResources?: boolean; configs?: EnvConfig[]; retryOf?: string } = {},
): OperationItem & { pk: string; sk: string } {
  const id = ctx.newId();
  const now = ctx.now();
  const configs = (options.configs ?? []).map((config) => ({
    type: config.type,
    sealed: ctx.secrets.seal(config.yaml, configAad(id)),
  }));
  return {
    ...keys.operation(id),
    entity: 'operation',
    id,
    kind,
    ...target,
    services: options.services ?? [],
    deleteResources: options.deleteResources ?? false,
    configs,
    ...(options.retryOf ? { retryOf: options.retryOf } : {}),
    state: 'pending',
    results: {},
    createdBy: principal.name,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + THIRTY_DAYS_S,
  };
}

const configAad = (operationId: string) => `operation:${operationId}:config`;

/** The configurations of an operation, opened: for the worker and for a retry only. */
export const openConfigs = (ctx: CoreContext, operation: Pick<OperationItem, 'id' | 'configs'>): EnvConfig[] =>
  operation.configs.map((config) => ({
    type: config.type,
    yaml: ctx.secrets.open(config.sealed, configAad(operation.id)),
  }));

export async function readOperation(ctx: CoreContext, id: string): Promise<OperationItem> {
  const item = await ctx.store.get<OperationItem>(keys.operation(id));
  if (!item) throw new NotFoundError('operation', id);
  return item;
}

/** An operation, for a caller who may see its project. */
export async function getOperation({
  ctx,
  principal,
  id,
}: {
  ctx: CoreContext;
  principal: Principal;
  id: string;
}): Promise<OperationItem> {
  const operation = await readOperation(ctx, id);
  requireProjectAccess(principal, operation.project);
  return operation;
}
