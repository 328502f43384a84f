import type { Principal } from '../auth/schemas.ts';
import { requireProjectWith } from '../projects/project-item.ts';
import { clusterUsage } from '../clusters/manage-clusters.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, InvalidInputError, NotFoundError, field, text } from '../errors.ts';
import { registryUsage } from '../registries/manage-registries.ts';
import { readRegistry } from '../registries/registry-item.ts';
import { checkVariables } from '../render/variables.ts';
import { readServicesNamed, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, deleteItem, requireExists } from '../store/writes.ts';
import type { ServiceScope } from '../services/scope.ts';
import { configObject } from './env-configs.ts';
import {
  readEnvServiceNames,
  requireEnvironment,
  storedVariables,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';
import { newOperation, openConfigs, readOperation } from './operation-item.ts';
import { MAX_SERVICES_PER_CHANGE, recordChange, requireIdle } from './record-change.ts';
import { renderEnvService, typeGlobalVariables, withPromotedGlobals } from './render-env-service.ts';
import { requireNoSubEnvironments, requireSharedBase } from './sub-environments.ts';
import type { EnvironmentChange, EnvServiceInput, NewEnvironment } from './schemas.ts';

/**
 * Records a new environment (status `creating`) and the operation that
 * creates it. Everything that can be checked without the cluster is checked
 * here, so bad input is a 400 and nothing is written.
 */
export async function createEnvironment({
  ctx,
  principal,
  projectKey,
  scope,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  input: NewEnvironment;
}): Promise<{ operationId: string }> {
  // Checked in this order, read in one BatchGetItem.
  const {
    items: [cluster, registry],
  } = await requireProjectWith(ctx, principal, projectKey, [
    keys.cluster(input.clusterId),
    keys.registry(input.registryId),
  ]);
  if (!cluster) throw new NotFoundError('cluster', input.clusterId);
  if (!registry) throw new NotFoundError('registry', input.registryId);
  if (input.baseEnv !== undefined)
    await requireSharedBase(ctx, { project: projectKey, scope, clusterId: input.clusterId, baseEnv: input.baseEnv });
  if (input.services.length > MAX_SERVICES_PER_CHANGE * 10)
    throw new InvalidInputError(
      text`${field('services')}: at most ${MAX_SERVICES_PER_CHANGE * 10} per environment creation`,
      'services',
    );
  const services = await readServices(ctx, projectKey, scope, input.services);
  const values = input.services.map(envServiceValues);
  const globals = checkVariables(
    withPromotedGlobals(typeGlobalVariables(input.globalVariables, services), values, services),
    'globalVariables',
  );
  const env = { project: projectKey, key: input.key, namespace: input.namespace };
  checkRenders(env, services, values, globals);
  input.configs.forEach((config, index) => {
    try {
      configObject({ namespace: input.namespace }, config.type, config.yaml);
    } catch (error) {
      if (error instanceof InvalidInputError)
        throw new InvalidInputError(text`${field(`configs[${index}]`)}: ${error}`, `configs[${index}].yaml`);
      throw error;
    }
  });

  const operation = newOperation(ctx, principal, { project: projectKey, scope, env: input.key }, 'create-environment', {
    services: input.services.map((service) => service.name),
    configs: input.configs,
  });
  const now = ctx.now().toISOString();
  const item: EnvironmentItem = {
    entity: 'environment',
    project: projectKey,
    scope,
    key: input.key,
    name: input.name ?? input.key,
    clusterId: input.clusterId,
    namespace: input.namespace,
    registryId: input.registryId,
    globalVariables: globals,
    ...(input.baseEnv !== undefined ? { baseEnv: input.baseEnv } : {}),
    status: 'creating',
    lastOperationId: operation.id,
    creationOperationId: operation.id,
    createdBy: principal.name,
    createdAt: now,
    updatedBy: principal.name,
    updatedAt: now,
    version: 1,
  };
  try {
    await ctx.store.transact(
      [
        createIfAbsent(
          { ...keys.environment(projectKey, scope, item.key), ...item },
          `${scope === 'production' ? 'production environment' : 'environment'} "${item.key}" already exists in project "${projectKey}"`,
        ),
        // One environment per namespace: two would overwrite each other's objects.
        createIfAbsent(
          { ...keys.namespaceClaim(item.clusterId, item.namespace), project: projectKey, scope, env: item.key },
          `namespace "${item.namespace}" of cluster "${item.clusterId}" is already used by another environment`,
        ),
        registryUsage(item.registryId, 1),
        clusterUsage(item.clusterId, 1),
        // A project deleted meanwhile must not leave this environment behind.
        requireExists(keys.project(projectKey), `project "${projectKey}" was deleted meanwhile`),
      ],
      `environment "${item.key}" could not be created`,
    );
  } catch (error) {
    if (error instanceof ConflictError) throw (await namespaceHeldElsewhere(ctx, item)) ?? error;
    throw error;
  }
  try {
    await ctx.store.putAll(
      input.services.map((service) => ({
        ...keys.envService(projectKey, scope, item.key, service.name),
        ...newEnvService(item, service, principal, ctx.now()),
      })),
    );
    // Written last: the operation is what starts the worker, and it must find everything in place.
    await ctx.store.putAll([operation]);
  } catch (error) {
    // Undo the recorded environment as one unit, so the registry's and the cluster's counts stay right.
    await ctx.store.removeAll(
      input.services.map((service) => keys.envService(projectKey, scope, item.key, service.name)),
    );
    await ctx.store.transact(
      [
        deleteItem(keys.environment(projectKey, scope, item.key)),
        deleteItem(keys.namespaceClaim(item.clusterId, item.namespace)),
        registryUsage(item.registryId, -1),
        clusterUsage(item.clusterId, -1),
      ],
      `environment "${item.key}" could not be undone`,
    );
    throw error;
  }
  return { operationId: operation.id };
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

export function newEnvService(
  env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>,
  input: EnvServiceInput,
  principal: Pick<Principal, 'name'>,
  now: Date,
): EnvServiceItem {
  return {
    entity: 'env-service',
    project: env.project,
    scope: env.scope,
    env: env.key,
    service: input.name,
    ...envServiceValues(input),
    status: 'pending',
    appliedObjects: [],
    revision: 0,
    updatedBy: principal.name,
    updatedAt: now.toISOString(),
    version: 1,
  };
}

/** The project services a request names, each once; an unknown one is a 404. */
export async function readServices(
  ctx: CoreContext,
  project: string,
  scope: ServiceScope,
  inputs: readonly EnvServiceInput[],
): Promise<ServiceItem[]> {
  const names = inputs.map((input) => input.name);
  requireDistinct(names);
  return readServicesNamed(ctx, project, scope, names);
}

export function requireDistinct(names: readonly string[]): void {
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new InvalidInputError(`service "${repeated}" is listed twice`, 'services');
}

/** Renders every service as the worker will, so a value outside its type or a missing global is a 400 now. */
export function checkRenders(
  env: Pick<EnvironmentItem, 'project' | 'key' | 'namespace'>,
  services: readonly ServiceItem[],
  values: readonly EnvServiceValues[],
  globals: EnvironmentItem['globalVariables'],
): void {
  services.forEach((service, index) => {
    renderEnvService({ env, service, envService: values[index]!, globals });
  });
}

/** What an environment keeps for one of its services, in the shape its item stores. */
export type EnvServiceValues = Pick<EnvServiceItem, 'variableKvs' | 'containers'>;

export const envServiceValues = (input: Pick<EnvServiceInput, 'variables' | 'containers'>): EnvServiceValues => ({
  variableKvs: storedVariables(input.variables),
  containers: input.containers,
});

/**
 * Which condition of the creation failed is read back from the namespace's
 * claim: held by another environment, the conflict names that environment.
 */
async function namespaceHeldElsewhere(ctx: CoreContext, env: EnvironmentItem): Promise<ConflictError | undefined> {
  const claim = await ctx.store.get<{ project: string; scope: ServiceScope; env: string }>(
    keys.namespaceClaim(env.clusterId, env.namespace),
  );
  if (!claim || (claim.project === env.project && claim.scope === env.scope && claim.env === env.key)) return undefined;
  const owner = `environment "${claim.env}"${claim.scope === 'production' ? ' (production)' : ''} of project "${claim.project}"`;
  return new ConflictError(`namespace "${env.namespace}" of cluster "${env.clusterId}" is already used by ${owner}`);
}
