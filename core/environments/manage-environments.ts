import type { Principal } from '../auth/schemas.ts';
import { readCluster } from '../clusters/cluster-item.ts';
import { clusterUsage } from '../clusters/manage-clusters.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import { requireProject } from '../projects/project-item.ts';
import { registryUsage } from '../registries/manage-registries.ts';
import { readRegistry } from '../registries/registry-item.ts';
import { checkVariables } from '../render/variables.ts';
import { readService, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, deleteItem, requireExists } from '../store/writes.ts';
import type { ServiceScope } from '../services/scope.ts';
import { configObject } from './env-configs.ts';
import {
  readEnvServices,
  requireEnvironment,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';
import { newOperation, openConfigs, readOperation } from './operation-item.ts';
import { MAX_SERVICES_PER_CHANGE, recordChange, requireIdle } from './record-change.ts';
import { renderEnvService, typeGlobalVariables, withPromotedGlobals } from './render-env-service.ts';
import type { CreateEnvironmentInput, EditEnvironmentInput, EnvServiceInput } from './schemas.ts';

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
  input: CreateEnvironmentInput;
}): Promise<{ operationId: string }> {
  await requireProject(ctx, principal, projectKey);
  await readCluster(ctx, input.cluster_id);
  await readRegistry(ctx, input.registry_id);
  if (input.services.length > MAX_SERVICES_PER_CHANGE * 10)
    throw new InvalidInputError(
      `services: at most ${MAX_SERVICES_PER_CHANGE * 10} per environment creation`,
      'services',
    );
  const services = await readServices(ctx, projectKey, scope, input.services);
  const globals = checkVariables(
    withPromotedGlobals(typeGlobalVariables(input.global_variables, services), input.services, services),
    'global_variables',
  );
  const env = { project: projectKey, key: input.env_key, namespace: input.namespace };
  checkRenders(env, services, input.services, globals);
  const configs = input.env_configs.map((config, index) => {
    try {
      configObject({ namespace: input.namespace }, config.common_env_cfg_type, config.yaml_data);
    } catch (error) {
      if (error instanceof InvalidInputError)
        throw new InvalidInputError(`env_configs[${index}]: ${error.message}`, `env_configs[${index}].yaml_data`);
      throw error;
    }
    return { type: config.common_env_cfg_type, yaml: config.yaml_data };
  });

  const operation = newOperation(
    ctx,
    principal,
    { project: projectKey, scope, env: input.env_key },
    'create-environment',
    {
      services: input.services.map((service) => service.service_name),
      configs,
    },
  );
  const now = ctx.now().toISOString();
  const item: EnvironmentItem = {
    entity: 'environment',
    project: projectKey,
    scope,
    key: input.env_key,
    name: input.env_name ?? input.env_key,
    clusterId: input.cluster_id,
    namespace: input.namespace,
    registryId: input.registry_id,
    globalVariables: globals,
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
    if (error instanceof ConflictError && error.message.includes('already used'))
      throw await namespaceConflict(ctx, item);
    throw error;
  }
  try {
    await ctx.store.putAll(
      input.services.map((service) => ({
        ...keys.envService(projectKey, scope, item.key, service.service_name),
        ...newEnvService(item, service, principal, ctx.now()),
      })),
    );
    // Written last: the operation is what starts the worker, and it must find everything in place.
    await ctx.store.putAll([operation]);
  } catch (error) {
    // Undo the recorded environment as one unit, so the registry's and the cluster's counts stay right.
    await ctx.store.removeAll(
      input.services.map((service) => keys.envService(projectKey, scope, item.key, service.service_name)),
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
}: EnvRef & { input: EditEnvironmentInput }): Promise<{ operationId?: string }> {
  const env = await requireEnvironment(ref);
  if (input.registry_id !== undefined) await readRegistry(ref.ctx, input.registry_id);
  const changes: Partial<EnvironmentItem> = {
    ...(input.registry_id !== undefined ? { registryId: input.registry_id } : {}),
    ...(input.env_name !== undefined ? { name: input.env_name } : {}),
  };
  if (input.registry_id === undefined || input.registry_id === env.registryId) {
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
    [registryUsage(env.registryId, -1), registryUsage(input.registry_id, 1)],
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
  const configsFrom = neverCreated ? await readOperation(ctx, env.creationOperationId) : failed;
  const operation = newOperation(
    ctx,
    principal,
    { project: failed.project, scope: failed.scope, env: failed.env },
    kind,
    {
      services: neverCreated ? (await readEnvServices(ctx, env)).map((service) => service.service) : failed.services,
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
    service: input.service_name,
    variableKvs: input.variable_kvs,
    containers: input.containers,
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
  const names = inputs.map((input) => input.service_name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new InvalidInputError(`service "${repeated}" is listed twice`, 'services');
  return Promise.all(names.map((name) => readService(ctx, project, scope, name)));
}

/** Renders every service as the worker will, so a value outside its type or a missing global is a 400 now. */
export function checkRenders(
  env: Pick<EnvironmentItem, 'project' | 'key' | 'namespace'>,
  services: readonly ServiceItem[],
  inputs: readonly Pick<EnvServiceInput, 'variable_kvs' | 'containers'>[],
  globals: EnvironmentItem['globalVariables'],
): void {
  services.forEach((service, index) => {
    const input = inputs[index]!;
    renderEnvService({
      env,
      service,
      envService: { variableKvs: input.variable_kvs, containers: input.containers },
      globals,
    });
  });
}

async function namespaceConflict(ctx: CoreContext, env: EnvironmentItem): Promise<ConflictError> {
  const claim = await ctx.store.get<{ project: string; scope: ServiceScope; env: string }>(
    keys.namespaceClaim(env.clusterId, env.namespace),
  );
  const owner = claim
    ? `environment "${claim.env}"${claim.scope === 'production' ? ' (production)' : ''} of project "${claim.project}"`
    : 'another environment';
  return new ConflictError(`namespace "${env.namespace}" of cluster "${env.clusterId}" is already used by ${owner}`);
}
