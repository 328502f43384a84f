import { groupCommit, mapConcurrently } from '../concurrency.ts';
import { isPrerequisite, type ClusterConnections, type KubeCluster, type KubeObject } from '../cluster/gateway.ts';
import { clusterUsage } from '../clusters/manage-clusters.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, DomainError, NotFoundError } from '../errors.ts';
import { registryUsage } from '../registries/manage-registries.ts';
import { pullSecretFor } from '../registries/pull-secret.ts';
import { serviceNotFound, type ServiceItem } from '../services/service-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { annotateExisting, deleteExisting, deleteItem, putItem, type Write } from '../store/writes.ts';
import {
  readEnvServiceNames,
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
import { endSharing, joinBase, leaveBase } from './sub-environments.ts';

type Deps = { ctx: CoreContext; connections: ClusterConnections };

export const pullSecretName = (registryId: string) => `berth-registry-${registryId}`;

/**
 * Carries out a recorded operation: the stream worker calls this once per new
 * operation (and again if a delivery is retried). Every step converges when
 * run twice: server-side apply, deleting what is already gone, recording the
 * outcome. Per-service failures (a manifest the API server rejects, a cluster
 * that does not answer) end the operation `failed`, with each service's error.
 *
 * The table requests of a change of one env service, each needed by an invariant:
 * 1. GetItem operation: what to do (and whether an earlier delivery already did it);
 * 2. UpdateItem operation `running`: a retry can tell an abandoned run (`retryOperation`);
 * 3. GetItem environment: namespace, cluster, registry, globals, at their latest;
 * 4. GetItem cluster (`connections.get`): its kubeconfig revision, so a replaced kubeconfig is never used;
 * 5. GetItem registry (`pullSecretFor`): whether its pull secret goes into the pod specs;
 * 6. BatchGetItem env services and their project services (`readForApply`): what to render;
 * 7. TransactWriteItems env service + revision (`appliedRecorder`): what was applied (skipped when the
 *    service's YAML is what it last applied: nothing new to record);
 * 8. TransactWriteItems environment + operation (`finish`): the outcome, seen together.
 * Further services add one BatchGetItem per 50, and transactions of up to 50 as the applies finish (`appliedRecorder`).
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
        const pullSecret = await applyPullSecret(ctx, cluster, env);
        const configs = openConfigs(ctx, operation);
        await applyConfigs(cluster, env, configs);
        await recordAppliedEnvConfigs(ctx, env, configs, operation.createdBy);
        const names = await readEnvServiceNames(ctx, env);
        Object.assign(results, await applyServices(ctx, cluster, env, operation, names, pullSecret));
        break;
      }
      case 'add-services':
      case 'update-services':
      case 'update-variables': {
        const pullSecret = await pullSecretOf(ctx, env);
        Object.assign(results, await applyServices(ctx, cluster, env, operation, operation.services, pullSecret));
        break;
      }
      case 'delete-services':
        Object.assign(results, await removeServices(ctx, cluster, env, operation.services, operation.deleteResources));
        break;
      case 'delete-environment': {
        Object.assign(
          results,
          await removeServices(ctx, cluster, env, await readEnvServiceNames(ctx, env), operation.deleteResources),
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
    // A sub-environment's routes follow its services, so they are renewed after every change of them.
    if (env.baseEnv !== undefined && !failureOf(results))
      await joinBase({ ctx, cluster, env, by: operation.createdBy });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return finish(ctx, operation, results, error.message, env);
  }
  return finish(ctx, operation, results, failureOf(results), env);
}

/**
 * Ends an operation the worker could not carry out (it threw on every
 * attempt) as failed with that error, so its caller sees an outcome rather
 * than `running` for ever, and may retry it. An operation that already ended is left as it is.
 */
export async function failOperation({ ctx, id, error }: { ctx: CoreContext; id: string; error: string }) {
  const operation = await readOperation(ctx, id);
  if (operation.state === 'success' || operation.state === 'failed') return;
  const env = await readEnvironment(ctx, operation.project, operation.scope, operation.env).catch((failure) => {
    if (failure instanceof NotFoundError) return undefined;
    throw failure;
  });
  await finish(ctx, operation, {}, error, env);
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
  const outcome = {
    state: error ? 'failed' : 'success',
    results,
    error: error ?? null,
    finishedAt: ctx.now().toISOString(),
  };
  if (env) {
    const created = !error && operation.kind === 'create-environment' ? { created: true } : {};
    // Both in one request, so whoever sees the operation finished finds the environment settled. Only the
    // environment's latest operation may say what state it is in (a condition, not a read: no race).
    try {
      await ctx.store.transact(
        [
          annotateExisting(
            keys.environment(env.project, env.scope, env.key),
            { status: error ? 'failed' : 'success', statusMessage: error ?? null, ...created },
            { lastOperationId: operation.id },
          ),
          annotateExisting(keys.operation(operation.id), outcome),
        ],
        'a newer operation took over the environment',
      );
      return;
    } catch (failure) {
      // A newer operation owns the environment's state, or the environment is gone: the operation's outcome alone.
      if (!(failure instanceof ConflictError)) throw failure;
    }
  }
  await ctx.store.annotate(keys.operation(operation.id), outcome);
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

/** The registry's pull secret, when its registry has credentials: what the pod specs name. */
const pullSecretOf = (ctx: CoreContext, env: EnvironmentItem) =>
  pullSecretFor({ ctx, registryId: env.registryId, name: pullSecretName(env.registryId) });

/**
 * The current registry's pull secret in, any earlier registry's out (the
 * environment may have moved). Returns the secret, for the pod specs to name.
 */
async function applyPullSecret(ctx: CoreContext, cluster: KubeCluster, env: EnvironmentItem) {
  const secret = await pullSecretOf(ctx, env);
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
  return secret;
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

/**
 * Services one worker applies at once. Their objects also share the cluster
 * client's bound of writes in flight (`OBJECT_WRITE_CONCURRENCY`), so this
 * bounds the table's side: each service in flight has one transaction pending.
 */
export const SERVICE_APPLY_CONCURRENCY = 32;

/**
 * Applies the named services. Services whose manifests hold a Namespace or a
 * CRD go first, one at a time in the order given, since other services'
 * objects may live in them; the others then go together. What each apply did
 * is recorded as the applies finish, in as few requests as DynamoDB allows
 * (`appliedRecorder`); a service applied again as it was gains no revision.
 */
async function applyServices(
  ctx: CoreContext,
  cluster: KubeCluster,
  env: EnvironmentItem,
  operation: OperationItem,
  names: string[],
  pullSecret: KubeObject | undefined,
) {
  const secretName = pullSecret?.metadata.name;
  const { envServices, services } = await readForApply(ctx, env, names);
  // Helm releases its services itself and records each release as its own revision; the rest are rendered here.
  const helmResults = new Map<string, ServiceResult>();
  for (const envService of envServices.filter(isHelmEnvService))
    helmResults.set(envService.service, await applyHelmService(ctx, env, envService, operation));
  const yamlServices = envServices.filter((envService) => !isHelmEnvService(envService));
  const renders = yamlServices.map((envService) => renderForApply(env, envService, services, secretName));
  const outcomes = new Map<string, ServiceOutcome>();
  const recorder = appliedRecorder(ctx);
  const apply = async (render: ServiceRender) => {
    const outcome = await applyService(ctx, cluster, env, render, operation);
    outcomes.set(render.envService.service, outcome);
    if (outcome.changes) recorder.add({ ...outcome, changes: outcome.changes });
  };
  const first = renders.filter((render) => 'objects' in render && render.objects.some(isPrerequisite));
  for (const render of first) await apply(render);
  await mapConcurrently(
    renders.filter((render) => !first.includes(render)),
    SERVICE_APPLY_CONCURRENCY,
    apply,
  );
  await recorder.finish();
  return Object.fromEntries(
    envServices.map(({ service }) => [service, helmResults.get(service) ?? outcomes.get(service)!.result]),
  );
}

/**
 * The env services named that still exist (in the order named) and the
 * project services they render: one BatchGetItem per 50 services, where one
 * GetItem each took two requests per service.
 */
async function readForApply(ctx: CoreContext, env: EnvironmentItem, names: readonly string[]) {
  const items = await ctx.store.getAll<EnvServiceItem | ServiceItem>(
    names.flatMap((name) => [
      keys.envService(env.project, env.scope, env.key, name),
      keys.service(env.project, env.scope, name),
    ]),
  );
  const byName = new Map<string, EnvServiceItem>();
  const services = new Map<string, ServiceItem>();
  for (const item of items) {
    if (item.entity === 'env-service') byName.set(item.service, item);
    else services.set(item.name, item);
  }
  return { envServices: names.flatMap((name) => byName.get(name) ?? []), services };
}

type ServiceRender =
  | { envService: EnvServiceItem; yaml: string; objects: KubeObject[] }
  | { envService: EnvServiceItem; error: DomainError };

function renderForApply(
  env: EnvironmentItem,
  envService: EnvServiceItem,
  services: ReadonlyMap<string, ServiceItem>,
  pullSecretName: string | undefined,
): ServiceRender {
  try {
    const service = services.get(envService.service);
    if (!service) throw serviceNotFound(env.scope, envService.service);
    return {
      envService,
      ...renderEnvService({ env, service, envService, globals: env.globalVariables, pullSecretName }),
    };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { envService, error };
  }
}

/** What applying one service did, and what the table is to record of it (nothing, for an apply that changed nothing). */
type ServiceOutcome = {
  envService: EnvServiceItem;
  result: ServiceResult;
  changes?: Partial<EnvServiceItem>;
  revision?: EnvServiceRevisionItem & ItemKey;
};

async function applyService(
  ctx: CoreContext,
  cluster: KubeCluster,
  env: EnvironmentItem,
  render: ServiceRender,
  operation: OperationItem,
): Promise<ServiceOutcome> {
  const { envService } = render;
  if ('error' in render) {
    const message = render.error.message;
    return {
      envService,
      result: { outcome: 'failed', message, objects: [] },
      changes: { status: 'failed', error: message },
    };
  }
  const applied = await cluster.apply(render.objects, { namespace: env.namespace });
  const wanted = new Set(render.objects.map(objectId));
  // Objects the service no longer renders are removed, so nothing is orphaned.
  const stale = envService.appliedObjects.filter((object) => !wanted.has(objectId(object)));
  const pruned = stale.length > 0 ? await cluster.deleteObjects(stale.map(asObject), { namespace: env.namespace }) : [];
  const objects = [...applied, ...pruned];
  const failure = objects.find((result) => result.outcome === 'failed');
  const message = failure && `${failure.kind} "${failure.name}": ${failure.message}`;
  // The same YAML applied again over a service that was applied: its history gains nothing, so nothing is written.
  if (!failure && stale.length === 0 && envService.status === 'applied' && envService.rendered === render.yaml)
    return { envService, result: { outcome: 'applied', objects } };
  const appliedObjects = render.objects.map((object) => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
  }));
  const revision = envService.revision + 1;
  const appliedAt = ctx.now().toISOString();
  return {
    envService,
    result: message ? { outcome: 'failed', message, objects } : { outcome: 'applied', objects },
    changes: {
      status: failure ? 'failed' : 'applied',
      error: message ?? null,
      rendered: render.yaml,
      // Keep what might still exist after a partial failure, so a retry or a deletion finds it.
      appliedObjects: failure ? mergeObjects(envService.appliedObjects, appliedObjects) : appliedObjects,
      revision,
      updatedBy: operation.createdBy,
      updatedAt: appliedAt,
    },
    revision: {
      ...keys.envServiceRevision(env.project, env.scope, env.key, envService.service, revision),
      entity: 'env-service-revision',
      action: 'apply',
      project: env.project,
      scope: env.scope,
      env: env.key,
      service: envService.service,
      revision,
      rendered: render.yaml,
      variableKvs: envService.variableKvs,
      containers: envService.containers,
      results: objects,
      appliedBy: operation.createdBy,
      appliedAt,
    },
  };
}

/** DynamoDB's bounds on one transaction (100 items, 4 MB), the size with room for the attribute names. */
const TRANSACTION_ITEMS = 100;
const TRANSACTION_BYTES = 3_000_000;

/**
 * Records the applies as they finish: each env service's observed state and
 * the revision it now points at, in the same transaction (neither is ever
 * written without the other), up to 50 services to a TransactWriteItems,
 * by group commit (`groupCommit`): the table's writes run while later
 * services are still being applied, and only what finished during the last
 * transaction is left at the end. Measured on the
 * bench machine, 100 new services: sending only full chunks of 50 left one
 * 100-item transaction after the last apply, 0.8 s of a 2.2 s run. An env
 * service removed meanwhile (its item gone, see `annotateExisting`) cancels
 * its transaction; the others of that chunk are then recorded one service at
 * a time. No version check: direct actions, the other writers of these
 * fields, are refused while an operation runs (`requireSettled`), so the two
 * never overlap.
 */
function appliedRecorder(ctx: CoreContext) {
  return groupCommit({
    maxInFlight: RECORD_TRANSACTIONS_IN_FLIGHT,
    takeBatch: takeChunk,
    send: (chunk: RecordedOutcome[]) => recordChunk(ctx, chunk),
  });
}

/** The first outcomes waiting, as many as one transaction holds (DynamoDB's item and size bounds), at least one. */
export function takeChunk(waiting: RecordedOutcome[]): RecordedOutcome[] {
  let items = 0;
  let bytes = 0;
  let count = 0;
  for (const outcome of waiting) {
    items += outcome.revision ? 2 : 1;
    bytes += JSON.stringify(outcome.changes).length + JSON.stringify(outcome.revision ?? {}).length;
    if (count > 0 && (items > TRANSACTION_ITEMS || bytes > TRANSACTION_BYTES)) break;
    count++;
  }
  return waiting.splice(0, count);
}

async function recordChunk(ctx: CoreContext, chunk: readonly RecordedOutcome[]) {
  const conflict = 'a service left the environment while it was applied';
  const record = async (outcomes: readonly RecordedOutcome[]) => {
    try {
      await ctx.store.transact(outcomes.flatMap(recordWrites), conflict);
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  };
  if (!(await record(chunk)) && chunk.length > 1) for (const outcome of chunk) await record([outcome]);
}

const RECORD_TRANSACTIONS_IN_FLIGHT = 4;

type RecordedOutcome = ServiceOutcome & Required<Pick<ServiceOutcome, 'changes'>>;

const recordWrites = ({ envService, changes, revision }: RecordedOutcome): Write[] => [
  annotateExisting(keys.envService(envService.project, envService.scope, envService.env, envService.service), changes),
  ...(revision ? [putItem(revision)] : []),
];

async function removeServices(
  ctx: CoreContext,
  cluster: KubeCluster,
  env: EnvironmentItem,
  names: string[],
  deleteResources: boolean,
) {
  const found = await ctx.store.getAll<EnvServiceItem>(
    names.map((name) => keys.envService(env.project, env.scope, env.key, name)),
  );
  const envServices = names.flatMap((name) => found.filter((envService) => envService.service === name));
  const removed = await mapConcurrently(envServices, SERVICE_APPLY_CONCURRENCY, async (envService) => {
    const name = envService.service;
    if (deleteResources && isHelmEnvService(envService)) {
      const failed = await uninstallHelmService(ctx, env, envService);
      if (failed) return [name, { outcome: 'failed', message: failed, objects: [] }];
    }
    const objects = deleteResources
      ? await cluster.deleteObjects(envService.appliedObjects.map(asObject), { namespace: env.namespace })
      : [];
    const failure = objects.find((result) => result.outcome === 'failed');
    if (failure)
      return [name, { outcome: 'failed', message: `${failure.kind} "${failure.name}": ${failure.message}`, objects }];
    const revisions = await ctx.store.listAll<ItemKey>(
      keys.envServiceRevisions(env.project, env.scope, env.key, name),
      { attributes: [] },
    );
    await ctx.store.removeAll([
      keys.envService(env.project, env.scope, env.key, name),
      ...revisions.map(({ pk, sk }) => ({ pk, sk })),
    ]);
    return [name, { outcome: 'deleted', objects }];
  });
  return Object.fromEntries(removed) as Record<string, ServiceResult>;
}

/** Sharing (labels, VirtualServices, portal) is undone before the environment goes, whether or not its resources stay. */
async function undoSharing(ctx: CoreContext, cluster: KubeCluster, env: EnvironmentItem, by: string) {
  if (env.baseEnv !== undefined) await leaveBase({ ctx, cluster, env, by });
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
