import type { Principal } from '../auth/schemas.ts';
import { clusterUsage } from '../clusters/manage-clusters.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, InvalidInputError, NotFoundError, field, text } from '../errors.ts';
import { requireProjectWith } from '../projects/project-item.ts';
import { registryUsage } from '../registries/manage-registries.ts';
import type { ServiceScope } from '../services/scope.ts';
import { readServicesNamed, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, deleteItem, requireExists } from '../store/writes.ts';
import { configObject } from './env-configs.ts';
import { storedVariables, type EnvServiceItem, type EnvironmentItem } from './environment-item.ts';
import { newOperation } from './operation-item.ts';
import { MAX_SERVICES_PER_CHANGE } from './record-change.ts';
import type { EnvServiceInput, NewEnvironment } from './schemas.ts';
import { requireSharedBase } from './sub-environments.ts';

/**
 * The steps every new environment shares, whatever deploys its services (a
 * YAML environment renders them, `createEnvironment`; a Helm one starts
 * empty, `createHelmEnvironment`). Nothing here renders, so the Helm function
 * does not carry the template engine.
 */
export type EnvironmentCreation = {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  input: NewEnvironment;
};

/**
 * Checks what a new environment needs besides its services: the project, the
 * cluster and the registry exist (read in one BatchGetItem, reported in that
 * order), the base environment can be shared, the services are not too
 * many, each configuration is a valid object.
 */
export async function requireCreatable({
  ctx,
  principal,
  projectKey,
  scope,
  input,
}: EnvironmentCreation): Promise<void> {
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
  input.configs.forEach((config, index) => {
    try {
      configObject({ namespace: input.namespace }, config.type, config.yaml);
    } catch (error) {
      if (error instanceof InvalidInputError)
        throw new InvalidInputError(text`${field(`configs[${index}]`)}: ${error}`, `configs[${index}].yaml`);
      throw error;
    }
  });
}

/**
 * Records a checked environment (status `creating`) with its services and
 * the operation that creates it, and returns that operation's id.
 */
export async function recordNewEnvironment({
  ctx,
  principal,
  projectKey,
  scope,
  input,
  globals,
}: EnvironmentCreation & { globals: EnvironmentItem['globalVariables'] }): Promise<{ operationId: string }> {
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

/** A YAML service as an environment first records it: pending until the worker applies it. */
export const newEnvService = (
  env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>,
  input: EnvServiceInput,
  principal: Pick<Principal, 'name'>,
  now: Date,
): EnvServiceItem => envServiceItem(env, input.name, principal, now, { ...envServiceValues(input), status: 'pending' });

/** An env service never applied yet, with what its kind records (values, or a Helm release) and its first status. */
export function envServiceItem(
  env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>,
  service: string,
  principal: Pick<Principal, 'name'>,
  now: Date,
  recorded: Pick<EnvServiceItem, 'variableKvs' | 'containers' | 'status' | 'helm'>,
): EnvServiceItem {
  return {
    entity: 'env-service',
    project: env.project,
    scope: env.scope,
    env: env.key,
    service,
    ...recorded,
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
