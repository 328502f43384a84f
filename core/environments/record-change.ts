import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { keys } from '../store/keys.ts';
import { putAtVersion, putItem, type Write } from '../store/writes.ts';
import type { EnvironmentItem, EnvironmentStatus } from './environment-item.ts';
export { requireIdle } from './environment-state.ts';
import type { OperationItem } from './operation-item.ts';

/** DynamoDB transactions take 100 items; a change records the environment and its operation besides its services. */
export const MAX_SERVICES_PER_CHANGE = 98;

/**
 * Records a change of an existing environment in one transaction: the
 * environment moves to `status` under the version it was read at (a
 * concurrent change gets a Conflict, never a lost update), the given items are
 * written, and the operation is recorded, which starts the worker.
 */
export async function recordChange(
  ctx: CoreContext,
  principal: Pick<Principal, 'name'>,
  env: EnvironmentItem,
  status: EnvironmentStatus,
  operation: OperationItem & { pk: string; sk: string },
  writes: Write[],
  changes: Partial<EnvironmentItem> = {},
): Promise<{ operationId: string }> {
  const updated: EnvironmentItem = {
    ...env,
    ...changes,
    status,
    statusMessage: null,
    lastOperationId: operation.id,
    updatedBy: principal.name,
    updatedAt: ctx.now().toISOString(),
    version: env.version + 1,
  };
  await ctx.store.transact(
    [
      putAtVersion(
        { ...keys.environment(env.project, env.scope, env.key), ...updated },
        env.version,
        `environment "${env.key}" was changed by another request; read it again and retry`,
      ),
      ...writes,
      putItem(operation),
    ],
    `environment "${env.key}" could not be changed`,
  );
  return { operationId: operation.id };
}
