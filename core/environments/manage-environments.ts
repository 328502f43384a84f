import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { registryUsage } from '../registries/manage-registries.ts';
import { readRegistry } from '../registries/registry-item.ts';
import { checkVariables } from '../render/variables.ts';
import { keys } from '../store/keys.ts';
import { readEnvServiceNames, requireEnvironment, type EnvRef, type EnvironmentItem } from './environment-item.ts';
import {
  envServiceValues,
  readServices,
  recordNewEnvironment,
  requireCreatable,
  type EnvironmentCreation,
} from './new-environment.ts';
import { newOperation, openConfigs, readOperation } from './operation-item.ts';
import { recordChange, requireIdle } from './record-change.ts';
import { checkRenders, typeGlobalVariables, withPromotedGlobals } from './render-env-service.ts';
import { requireNoSubEnvironments } from './sub-environments.ts';
import type { EnvironmentChange } from './schemas.ts';

/**
 * Records a new environment of YAML services (status `creating`) and the
 * operation that creates it. Everything that can be checked without the
 * cluster is checked here, every service rendered as the worker will, so bad
 * input is a 400 and nothing is written.
 */
export async function createEnvironment(creation: EnvironmentCreation): Promise<{ operationId: string }> {
  const { ctx, projectKey, scope, input } = creation;
  await requireCreatable(creation);
  const services = await readServices(ctx, projectKey, scope, input.services);
  const values = input.services.map(envServiceValues);
  const globals = checkVariables(
    withPromotedGlobals(typeGlobalVariables(input.globalVariables, services), values, services),
    'globalVariables',
  );
  checkRenders({ project: projectKey, key: input.key, namespace: input.namespace }, services, values, globals);
  return recordNewEnvironment({ ...creation, globals });
}

/** Changes the registry (re-applying the services with its pull secret) or the production alias. */
export async function editEnvironment({
  input,
  ...ref
}: EnvRef & { input: EnvironmentChange }): Promise<{ operationId?: string }> {
  const env = await requireEnvironment(ref);
  if (input.registryId !== undefined) await readRegistry(ref.ctx, input.registryId);
  const changes: Partial<EnvironmentItem> = {
    ...(input.registryId !== undefined ? { registryId: input.registryId } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
  };
  if (input.registryId === undefined || input.registryId === env.registryId) {
    await ref.ctx.store.update(
      keys.environment(env.project, env.scope, env.key),
      env.version,
      { ...changes, updatedBy: ref.principal.name, updatedAt: ref.ctx.now().toISOString() },
      `environment "${env.key}" was changed by another request; read it again and retry`,
    );
    return {};
  }
  requireIdle(env);
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'edit-environment',
  );
  return recordChange(
    ref.ctx,
    ref.principal,
    env,
    'updating',
    operation,
    [registryUsage(env.registryId, -1), registryUsage(input.registryId, 1)],
    changes,
  );
}

/** Deletes an environment; with `deleteResources` what Berth applied goes too, and the namespace if Berth created it. */
export async function deleteEnvironment({
  deleteResources,
  ...ref
}: EnvRef & { deleteResources: boolean }): Promise<{ operationId: string }> {
  const env = await requireEnvironment(ref);
  requireIdle(env);
  await requireNoSubEnvironments(ref.ctx, env);
  const operation = newOperation(
    ref.ctx,
    ref.principal,
    { project: env.project, scope: env.scope, env: env.key },
    'delete-environment',
    { deleteResources },
  );
  return recordChange(ref.ctx, ref.principal, env, 'deleting', operation, []);
}

/** Runs a failed (or abandoned) operation again, as a new operation with the same targets. */
export async function retryOperation({
  ctx,
  principal,
  id,
}: {
  ctx: CoreContext;
  principal: Principal;
  id: string;
}): Promise<{ operationId: string }> {
  const failed = await readOperation(ctx, id);
  const env = await requireEnvironment({
    ctx,
    principal,
    projectKey: failed.project,
    scope: failed.scope,
    envKey: failed.env,
  });
  if (env.lastOperationId !== failed.id)
    throw new ConflictError(`operation ${id} is not the environment's latest; retry ${env.lastOperationId} instead`);
  const abandoned =
    failed.state === 'running' &&
    failed.startedAt !== undefined &&
    failed.startedAt !== null &&
    Date.parse(failed.startedAt) < ctx.now().getTime() - 10 * 60_000;
  if (failed.state !== 'failed' && !abandoned)
    throw new ConflictError(`operation ${id} is ${failed.state}; only a failed operation can be retried`);
  // An environment whose creation never got through is created again, with its creation's configurations: a retry converges the environment.
  const neverCreated = !env.created && failed.kind !== 'delete-environment';
  const kind = neverCreated ? 'create-environment' : failed.kind;
  const configsFrom =
    neverCreated && env.creationOperationId !== failed.id ? await readOperation(ctx, env.creationOperationId) : failed;
  const operation = newOperation(
    ctx,
    principal,
    { project: failed.project, scope: failed.scope, env: failed.env },
    kind,
    {
      services: neverCreated ? await readEnvServiceNames(ctx, env) : failed.services,
      deleteResources: failed.deleteResources,
      configs: openConfigs(ctx, configsFrom),
      retryOf: failed.id,
    },
  );
  const status = kind === 'create-environment' ? 'creating' : kind === 'delete-environment' ? 'deleting' : 'updating';
  return recordChange(ctx, principal, { ...env, status: 'failed' }, status, operation, []);
}
