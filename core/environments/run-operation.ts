import type { ClusterConnections, KubeCluster, KubeObject } from '../cluster/gateway.ts';
import { clusterUsage } from '../clusters/manage-clusters.ts';
import type { CoreContext } from '../context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { registryUsage } from '../registries/manage-registries.ts';
import { pullSecretFor } from '../registries/pull-secret.ts';
import { readService } from '../services/service-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { deleteExisting, deleteItem } from '../store/writes.ts';
import {
  readEnvServices,
  readEnvironment,
  type AppliedObject,
  type EnvServiceItem,
  type EnvServiceRevisionItem,
  type EnvironmentItem,
} from './environment-item.ts';
import { configObject, recordAppliedEnvConfigs, removeAllEnvConfigs } from './env-configs.ts';
import { openConfigs, readOperation, type OperationItem, type ServiceResult } from './operation-item.ts';
import { renderEnvService } from './render-env-service.ts';
import { applyHelmService, isHelmEnvService, uninstallHelmService } from './apply-helm-service.ts';
import type { EnvConfig } from './schemas.ts';
import { readSharing, sharingKey } from './sub-environment-item.ts';
import { endSharing } from './sub-environments.ts';

type Deps = { ctx: CoreContext; connections: ClusterConnections };

export const pullSecretName = (registryId: string) => `berth-registry-${registryId}`;

/**
 * Carries out a recorded operation: the stream worker calls this once per new
 * operation (and again if a delivery is retried). Every step converges when
 * run twice: server-side apply, deleting what is already gone, recording the
 * outcome. Per-service failures (a manifest the API server rejects, a cluster
 * that does not answer) end the operation `failed`, with each service's error.
 */
export async function runOperation({ ctx, connections, id }: Deps & { id: string }): Promise<void> {
  const operation = await readOperation(ctx, id);
  if (operation.state === 'success') return;
  await ctx.store.annotate(keys.operation(id), { state: 'running', startedAt: ctx.now().toISOString() });

  let env: EnvironmentItem;
  try {
    env = await readEnvironment(ctx, operation.project, operation.scope, operation.env);
  } catch (error) {
    if (error instanceof NotFoundError) return finish(ctx, operation, {}, 'the environment no longer exists');
    throw error;
  }

  const results: Record<string, ServiceResult> = {};
  try {
    const cluster = await connections.get(env.clusterId);
    switch (operation.kind) {
      case 'create-environment':
      case 'edit-environment': {
        if (operation.kind === 'create-environment') await prepareNamespace(ctx, cluster, env);
        await applyPullSecret(ctx, cluster, env);
        const configs = openConfigs(ctx, operation);
        await applyConfigs(cluster, env, configs);
        await recordAppliedEnvConfigs(ctx, env, configs, operation.createdBy);
        Object.assign(results, await applyServices(ctx, cluster, env, operation, await allServiceNames(ctx, env)));
        break;
      }
      case 'add-services':
      case 'update-services':
      case 'update-variables':
        Object.assign(results, await applyServices(ctx, cluster, env, operation, operation.services));
        break;
      case 'delete-services':
        Object.assign(results, await removeServices(ctx, cluster, env, operation.services, operation.deleteResources));
        break;
      case 'delete-environment': {
        Object.assign(
          results,
          await removeServices(ctx, cluster, env, await allServiceNames(ctx, env), operation.deleteResources),
        );
        // Something could not be removed: keep the environment (failed), so a retry can finish and nothing is orphaned.
        const failure = failureOf(results);
        if (failure) return finish(ctx, operation, results, failure, env);
        await undoSharing(ctx, cluster, env, operation.createdBy);
        await removeAllEnvConfigs(ctx, env, operation.deleteResources ? cluster : undefined);
        if (operation.deleteResources) await removePullSecrets(cluster, env, undefined);
        if (operation.deleteResources && env.createdNamespace) await cluster.deleteNamespace(env.namespace);
        await forgetEnvironment(ctx, env);
        return finish(ctx, operation, results, undefined);
      }
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return finish(ctx, operation, results, error.message, env);
  }
  return finish(ctx, operation, results, failureOf(results), env);
}

const failureOf = (results: Record<string, ServiceResult>): string | undefined => {
  const failed = Object.entries(results).filter(([, result]) => result.outcome === 'failed');
  return failed.length === 0
    ? undefined
    : failed.map(([service, result]) => `${service}: ${result.message}`).join('; ');
};

async function finish(
  ctx: CoreContext,
  operation: OperationItem,
  results: Record<string, ServiceResult>,
  error: string | undefined,
  env?: EnvironmentItem,
) {
  // The environment first: whoever sees the operation finished must find the environment settled.
  // Only the environment's latest operation may say what state it is in (a condition, not a read: no race).
  if (env) {
    const created = !error && operation.kind === 'create-environment' ? { created: true } : {};
    await ctx.store.annotate(
      keys.environment(env.project, env.scope, env.key),
      { status: error ? 'failed' : 'success', statusMessage: error ?? null, ...created },
      { lastOperationId: operation.id },
    );
  }
  await ctx.store.annotate(keys.operation(operation.id), {
    state: error ? 'failed' : 'success',
    results,
    error: error ?? null,
    finishedAt: ctx.now().toISOString(),
  });
}

async function allServiceNames(ctx: CoreContext, env: EnvironmentItem): Promise<string[]> {
  return (await readEnvServices(ctx, env)).map((service) => service.service);
}

/**
 * Creates the namespace unless it exists, and remembers whether Berth created
 * it. A retry finds the namespace an earlier attempt made (and died before
 * recording): Berth's labels on it say so.
 */
async function prepareNamespace(ctx: CoreContext, cluster: KubeCluster, env: EnvironmentItem) {
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'berth',
    'berth.dev/project': env.project,
    'berth.dev/env': env.key,
  };
  const { created } = await cluster.ensureNamespace(env.namespace, labels);
  let ours = created;
  if (!ours) {
    const existing =
      (await cluster.getObject({ apiVersion: 'v1', kind: 'Namespace', name: env.namespace }))?.metadata.labels ?? {};
    ours = Object.entries(labels).every(([key, value]) => existing[key] === value);
  }
  if (env.createdNamespace !== ours) {
    await ctx.store.annotate(keys.environment(env.project, env.scope, env.key), { createdNamespace: ours });
    env.createdNamespace = ours;
  }
}

const PULL_SECRET_LABEL = 'berth.dev/registry-pull-secret';

/** The current registry's pull secret in, any earlier registry's out (the environment may have moved). */
async function applyPullSecret(ctx: CoreContext, cluster: KubeCluster, env: EnvironmentItem) {
  const secret = await pullSecretFor({ ctx, registryId: env.registryId, name: pullSecretName(env.registryId) });
  if (secret) {
    secret.metadata.labels = {
      ...secret.metadata.labels,
      [PULL_SECRET_LABEL]: 'true',
      'app.kubernetes.io/managed-by': 'berth',
    };
    const [result] = await cluster.apply([secret], { namespace: env.namespace });
    if (result?.outcome === 'failed')
      throw new DomainError('Unavailable', `the registry pull secret could not be applied: ${result.message}`);
  }
  await removePullSecrets(cluster, env, secret?.metadata.name);
}

async function removePullSecrets(cluster: KubeCluster, env: EnvironmentItem, keep: string | undefined) {
  const secrets = await cluster.listObjects({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: env.namespace,
    labelSelector: PULL_SECRET_LABEL,
  });
  const stale = secrets.filter((secret) => secret.metadata.name !== keep);
  if (stale.length > 0)
    await cluster.deleteObjects(
      stale.map((secret) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.metadata.name } })),
      { namespace: env.namespace },
    );
}

/** Configurations given at creation, applied by the same rule as those added later (`configObject`). */
async function applyConfigs(cluster: KubeCluster, env: EnvironmentItem, configs: EnvConfig[]) {
  const objects = configs.map((config) => configObject(env, config.type, config.yaml));
  const failed = (await cluster.apply(objects, { namespace: env.namespace })).find(
    (result) => result.outcome === 'failed',
  );
  if (failed)
    throw new DomainError(
      'Invalid',
      `environment configuration ${failed.kind} "${failed.name}" was rejected: ${failed.message}`,
    );
}

async function applyServices(
  ctx: CoreContext,
  cluster: KubeCluster,
  env: EnvironmentItem,
  operation: OperationItem,
  names: string[],
) {
  const results: Record<string, ServiceResult> = {};
  const secretName = (await pullSecretFor({ ctx, registryId: env.registryId, name: pullSecretName(env.registryId) }))
    ? pullSecretName(env.registryId)
    : undefined;
  for (const name of names) {
    const envService = await ctx.store.get<EnvServiceItem>(keys.envService(env.project, env.scope, env.key, name));
    if (!envService) continue;
    results[name] = isHelmEnvService(envService)
      ? await applyHelmService(ctx, env, envService, operation)
      : await applyService(ctx, cluster, env, envService, operation, secretName);
  }
  return results;
}

async function applyService(
  ctx: CoreContext,
  cluster: KubeCluster,
  env: EnvironmentItem,
  envService: EnvServiceItem,
  operation: OperationItem,
  secretName: string | undefined,
): Promise<ServiceResult> {
  let rendered: { yaml: string; objects: KubeObject[] };
  try {
    const service = await readService(ctx, env.project, env.scope, envService.service);
    rendered = renderEnvService({ env, service, envService, globals: env.globalVariables, pullSecretName: secretName });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await recordService(ctx, envService, { status: 'failed', error: error.message });
    return { outcome: 'failed', message: error.message, objects: [] };
  }
  const applied = await cluster.apply(rendered.objects, { namespace: env.namespace });
  const wanted = new Set(rendered.objects.map(objectId));
  // Objects the service no longer renders are removed, so nothing is orphaned.
  const stale = envService.appliedObjects.filter((object) => !wanted.has(objectId(object)));
  const pruned = await cluster.deleteObjects(stale.map(asObject), { namespace: env.namespace });
  const objects = [...applied, ...pruned];
  const failure = objects.find((result) => result.outcome === 'failed');
  const appliedObjects = rendered.objects.map((object) => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
  }));
  const revision = envService.revision + 1;
  const revisionItem: EnvServiceRevisionItem & ItemKey = {
    ...keys.envServiceRevision(env.project, env.scope, env.key, envService.service, revision),
    entity: 'env-service-revision',
    action: 'apply',
    project: env.project,
    scope: env.scope,
    env: env.key,
    service: envService.service,
    revision,
    rendered: rendered.yaml,
    variableKvs: envService.variableKvs,
    containers: envService.containers,
    results: objects,
    appliedBy: operation.createdBy,
    appliedAt: ctx.now().toISOString(),
  };
  await ctx.store.putAll([revisionItem]);
  await recordService(ctx, envService, {
    status: failure ? 'failed' : 'applied',
    error: failure ? `${failure.kind} "${failure.name}": ${failure.message}` : null,
    rendered: rendered.yaml,
    // Keep what might still exist after a partial failure, so a retry or a deletion finds it.
    appliedObjects: failure ? mergeObjects(envService.appliedObjects, appliedObjects) : appliedObjects,
    revision,
    updatedBy: operation.createdBy,
    updatedAt: ctx.now().toISOString(),
  });
  return failure
    ? { outcome: 'failed', message: `${failure.kind} "${failure.name}": ${failure.message}`, objects }
    : { outcome: 'applied', objects };
}

async function removeServices(
  ctx: CoreContext,
  cluster: KubeCluster,
  env: EnvironmentItem,
  names: string[],
  deleteResources: boolean,
) {
  const results: Record<string, ServiceResult> = {};
  for (const name of names) {
    const envService = await ctx.store.get<EnvServiceItem>(keys.envService(env.project, env.scope, env.key, name));
    if (!envService) continue;
    if (deleteResources && isHelmEnvService(envService)) {
      const failed = await uninstallHelmService(ctx, env, envService);
      if (failed) {
        results[name] = { outcome: 'failed', message: failed, objects: [] };
        continue;
      }
    }
    const objects = deleteResources
      ? await cluster.deleteObjects(envService.appliedObjects.map(asObject), { namespace: env.namespace })
      : [];
    const failure = objects.find((result) => result.outcome === 'failed');
    if (failure) {
      results[name] = { outcome: 'failed', message: `${failure.kind} "${failure.name}": ${failure.message}`, objects };
      continue;
    }
    const revisions = await ctx.store.listAll<ItemKey>(
      keys.envServiceRevisions(env.project, env.scope, env.key, name),
      { attributes: [] },
    );
    await ctx.store.removeAll([
      keys.envService(env.project, env.scope, env.key, name),
      ...revisions.map(({ pk, sk }) => ({ pk, sk })),
    ]);
    results[name] = { outcome: 'deleted', objects };
  }
  return results;
}

/** Sharing (labels, VirtualServices, portal) is undone before the environment goes, whether or not its resources stay. */
async function undoSharing(ctx: CoreContext, cluster: KubeCluster, env: EnvironmentItem, by: string) {
  const { stored } = await readSharing(ctx, env);
  if (!stored) return;
  const namespace = await cluster.getObject({ apiVersion: 'v1', kind: 'Namespace', name: env.namespace });
  if (namespace) await endSharing({ ctx, principal: { name: by }, cluster, env, namespace });
  await ctx.store.remove(sharingKey(env));
}

/**
 * The environment, its namespace claim and its use of the registry and the
 * cluster go together, so a retried deletion counts once.
 */
async function forgetEnvironment(ctx: CoreContext, env: EnvironmentItem) {
  await ctx.store.transact(
    [
      deleteExisting(keys.environment(env.project, env.scope, env.key)),
      deleteItem(keys.namespaceClaim(env.clusterId, env.namespace)),
      registryUsage(env.registryId, -1),
      clusterUsage(env.clusterId, -1),
    ],
    `environment "${env.key}" was already forgotten`,
  );
}

/**
 * Observed outcome of an apply: written without a version check. Direct
 * actions, the other writers of these fields, are refused while an operation
 * runs (`requireSettled`), so the two never overlap.
 */
async function recordService(ctx: CoreContext, envService: EnvServiceItem, changes: Partial<EnvServiceItem>) {
  await ctx.store.annotate(
    keys.envService(envService.project, envService.scope, envService.env, envService.service),
    changes,
  );
}

const objectId = (object: { apiVersion: string; kind: string; metadata?: { name: string }; name?: string }) =>
  `${object.apiVersion}/${object.kind}/${object.metadata?.name ?? object.name}`;

const asObject = (object: AppliedObject): KubeObject => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  metadata: { name: object.name },
});

function mergeObjects(a: AppliedObject[], b: AppliedObject[]): AppliedObject[] {
  const byId = new Map([...a, ...b].map((object) => [objectId(object), object]));
  return [...byId.values()];
}
