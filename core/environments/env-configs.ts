/**
 * Environment configurations (Zadig's `envcfgs`): ConfigMaps, Secrets,
 * Ingresses and PVCs that belong to an environment rather than to a service.
 *
 * The cluster is the truth: a configuration's content lives only in its
 * object, in the environment's namespace, and is read back from there. Berth
 * records what it manages (one item per configuration: name, type, who and
 * when) and never stores the YAML, so a Secret's values are never written to
 * the table, and nothing here logs.
 */
import { writeYaml } from '../yaml/write.ts';
import { requireSettled } from './environment-state.ts';
import * as v from 'valibot';
import type { ApplyResult, ClusterConnections, KubeCluster, KubeObject } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import {
  ConflictError,
  DomainError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
  field,
  text,
} from '../errors.ts';
import { parseManifests } from '../render/manifests.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { deleteAtVersion } from '../store/writes.ts';
import type { ServiceScope } from '../services/scope.ts';
import type { EnvConfigChange, EnvConfigTypeName, NewEnvConfig } from './env-config-schemas.ts';
import { EnvConfigName } from './env-config-schemas.ts';
import { environmentName, requireEnvironment, type EnvRef, type EnvironmentItem } from './environment-item.ts';

/** What each configuration type is in Kubernetes. */
export const ENV_CONFIG_KINDS = {
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap' },
  Secret: { apiVersion: 'v1', kind: 'Secret' },
  Ingress: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  PVC: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
} as const satisfies Record<EnvConfigTypeName, { apiVersion: string; kind: string }>;

/** Berth's record of a configuration it manages. The content is the cluster's object, never a copy. */
export type EnvConfigItem = {
  entity: 'env-config';
  project: string;
  scope: ServiceScope;
  env: string;
  type: EnvConfigTypeName;
  name: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
};

/** A configuration Berth manages, and whether its object is still in the namespace (deleted behind Berth's back). */
export type EnvConfigState = EnvConfigItem & { inCluster: boolean };

type Deps = { connections: ClusterConnections };

/**
 * Adds a configuration: the object is applied (server-side apply) in the
 * environment's namespace and recorded as Berth's. An object of that name
 * that already exists in the namespace is a 409 whether Berth manages it or
 * not: the namespace holds service objects, the registry pull secret and
 * Kubernetes' own (`kube-root-ca.crt`), which an add must never take over.
 *
 * @example await addEnvConfig({ ctx, principal, projectKey: 'shop', scope: 'test', envKey: 'dev', connections, input: { type: 'ConfigMap', yaml } })
 */
export async function addEnvConfig({
  connections,
  input,
  ...ref
}: EnvRef & Deps & { input: NewEnvConfig }): Promise<{ name: string }> {
  const env = await requireEnvironment(ref);
  requireSettled(env);
  const { type } = input;
  // The object's own name is the configuration's, as in Zadig: the spec's first example names one and carries another.
  const object = configObject(env, type, input.yaml);
  const name = object.metadata.name;
  const key = keys.envConfig(env.project, env.scope, env.key, type, name);
  if (await ref.ctx.store.get(key)) throw alreadyManaged(env, type, name);
  const cluster = await connections.get(env.clusterId);
  if (await cluster.getObject(objectRef(env, type, name))) {
    throw new ConflictError(
      `${object.kind} "${name}" already exists in namespace "${env.namespace}" and is not an environment configuration Berth manages; choose another name`,
    );
  }

  // Recorded before it is applied: a request that dies in between leaves a
  // record whose object is missing (listed as not in the cluster, fixed by an
  // update or a delete), never an object nobody knows Berth made.
  const now = ref.ctx.now().toISOString();
  const item: EnvConfigItem = {
    entity: 'env-config',
    project: env.project,
    scope: env.scope,
    env: env.key,
    type,
    name,
    createdBy: ref.principal.name,
    createdAt: now,
    updatedBy: ref.principal.name,
    updatedAt: now,
    version: 1,
  };
  // The condition guards two adds of the same name racing past the checks above.
  await ref.ctx.store.create(key, item, alreadyManaged(env, type, name).message);
  try {
    await applyConfig(cluster, env, object);
  } catch (error) {
    await ref.ctx.store.remove(key);
    throw error;
  }
  return { name };
}

/** The configurations of one type Berth manages in an environment, each checked against the namespace (one list call). */
export async function listEnvConfigs({
  connections,
  type,
  ...ref
}: EnvRef & Deps & { type: EnvConfigTypeName }): Promise<EnvConfigState[]> {
  const env = await requireEnvironment(ref);
  const items = await ref.ctx.store.listAll<EnvConfigItem>(keys.envConfigs(env.project, env.scope, env.key, type));
  if (items.length === 0) return [];
  const cluster = await connections.get(env.clusterId);
  const { apiVersion, kind } = ENV_CONFIG_KINDS[type];
  const present = new Set(
    (await cluster.listObjects({ apiVersion, kind, namespace: env.namespace })).map((object) => object.metadata.name),
  );
  return items.map((item) => ({ ...item, inCluster: present.has(item.name) }));
}

/**
 * A configuration with its YAML read back from the cluster, without the
 * fields the API server manages. A Secret's `data` is returned as the cluster
 * holds it (base64): the detail is what a caller edits and sends back, and
 * one who may write the Secret may read it.
 */
export async function getEnvConfig({
  connections,
  type,
  name,
  ...ref
}: EnvRef & Deps & { type: EnvConfigTypeName; name: string }): Promise<{ config: EnvConfigItem; yaml: string }> {
  const env = await requireEnvironment(ref);
  const item = await readEnvConfig(ref.ctx, env, type, name);
  const cluster = await connections.get(env.clusterId);
  const object = await cluster.getObject(objectRef(env, type, name));
  if (!object) {
    throw new DomainError(
      'NotFound',
      `${ENV_CONFIG_KINDS[type].kind} "${name}" of ${environmentName(env)} no longer exists in namespace "${env.namespace}"; update it to apply it again, or delete it`,
    );
  }
  return { config: item, yaml: toYaml(object) };
}

/**
 * Applies a configuration's new YAML. Server-side apply with Berth's field
 * manager: fields the previous YAML set and this one leaves out are removed,
 * fields others set on the object (controllers, kubectl) are kept.
 */
export async function updateEnvConfig({
  connections,
  input,
  ...ref
}: EnvRef & Deps & { input: EnvConfigChange }): Promise<void> {
  const env = await requireEnvironment(ref);
  requireSettled(env);
  const { type } = input;
  const object = configObject(env, type, input.yaml, input.name);
  const item = await readEnvConfig(ref.ctx, env, type, object.metadata.name);
  const cluster = await connections.get(env.clusterId);
  // Claimed before applying: of two updates that read the same version, one
  // gets a 409 instead of both applying and each believing it won.
  await ref.ctx.store.update(
    keys.envConfig(env.project, env.scope, env.key, type, item.name),
    item.version,
    { updatedBy: ref.principal.name, updatedAt: ref.ctx.now().toISOString() },
    `${object.kind} "${item.name}" was changed by another request; read it again and retry`,
  );
  await applyConfig(cluster, env, object);
}

/** Deletes a configuration's object (already gone counts as deleted) and Berth's record of it. */
export async function deleteEnvConfig({
  connections,
  type,
  name,
  ...ref
}: EnvRef & Deps & { type: EnvConfigTypeName; name: string }): Promise<void> {
  const env = await requireEnvironment(ref);
  requireSettled(env);
  const item = await readEnvConfig(ref.ctx, env, type, name);
  const cluster = await connections.get(env.clusterId);
  const key = keys.envConfig(env.project, env.scope, env.key, type, name);
  await ref.ctx.store.transact(
    // Guards against an update claimed since the read: its apply would bring back an object nobody records.
    [deleteAtVersion(key, item.version)],
    `${ENV_CONFIG_KINDS[type].kind} "${name}" was changed by another request; read it again and retry`,
  );
  const [result] = await cluster.deleteObjects([{ ...objectRef(env, type, name), metadata: { name } }], {
    namespace: env.namespace,
  });
  if (result?.outcome === 'failed') {
    // The object is still there: keep managing it, so the delete can be retried.
    await ref.ctx.store
      .create(
        key,
        { ...item, version: item.version + 1 },
        `${ENV_CONFIG_KINDS[type].kind} "${name}" was added again meanwhile`,
      )
      .catch(() => undefined);
    throw await applyError(cluster, env, result, 'the object could not be deleted');
  }
}

/**
 * Records configurations applied by other means as Berth's, e.g. the
 * configurations of an environment's creation (called by the worker after it
 * applied them). A configuration already recorded keeps its record.
 */
export async function recordAppliedEnvConfigs(
  ctx: CoreContext,
  env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>,
  configs: ReadonlyArray<{ type: EnvConfigTypeName; yaml: string }>,
  by: string,
): Promise<void> {
  const now = ctx.now().toISOString();
  for (const config of configs) {
    for (const object of parseManifests(config.yaml)) {
      if (object.kind !== ENV_CONFIG_KINDS[config.type].kind) continue;
      const item: EnvConfigItem = {
        entity: 'env-config',
        project: env.project,
        scope: env.scope,
        env: env.key,
        type: config.type,
        name: object.metadata.name,
        createdBy: by,
        createdAt: now,
        updatedBy: by,
        updatedAt: now,
        version: 1,
      };
      await ctx.store
        .create(keys.envConfig(env.project, env.scope, env.key, config.type, item.name), item, 'recorded already')
        .catch((error: unknown) => {
          if (!(error instanceof ConflictError)) throw error;
        });
    }
  }
}

/**
 * Forgets every configuration of an environment (when the environment goes),
 * deleting their objects first when `cluster` is given. Returns the objects
 * that could not be deleted; their records are kept.
 */
export async function removeAllEnvConfigs(
  ctx: CoreContext,
  env: Pick<EnvironmentItem, 'project' | 'scope' | 'key' | 'namespace'>,
  cluster?: KubeCluster,
): Promise<Array<{ kind: string; name: string; message: string }>> {
  const items = await ctx.store.listAll<EnvConfigItem & ItemKey>(keys.envConfigs(env.project, env.scope, env.key));
  const failed = new Set<string>();
  const failures: Array<{ kind: string; name: string; message: string }> = [];
  if (cluster && items.length > 0) {
    const objects = items.map((item) => ({ ...objectRef(env, item.type, item.name), metadata: { name: item.name } }));
    const results = await cluster.deleteObjects(objects, { namespace: env.namespace });
    results.forEach((result, index) => {
      if (result.outcome !== 'failed') return;
      failed.add(items[index]!.sk);
      failures.push({ kind: result.kind, name: result.name, message: result.message ?? 'not deleted' });
    });
  }
  await ctx.store.removeAll(items.filter((item) => !failed.has(item.sk)).map(({ pk, sk }) => ({ pk, sk })));
  return failures;
}

/* ----------------------------------------------------------------------------
 * The object
 * ------------------------------------------------------------------------- */

/** Metadata the API server owns: copied from `kubectl get -o yaml`, they would make the apply fail or mislead. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'selfLink',
  'generation',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];
/** kubectl's copy of the last applied object: for a Secret, its values in clear. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The one object a configuration's YAML describes, ready to apply: of the
 * declared type, named `name` when a name is given, in the environment's
 * namespace (whatever namespace the YAML names), without server-managed fields.
 */
export function configObject(
  env: Pick<EnvironmentItem, 'namespace'>,
  type: EnvConfigTypeName,
  yaml: string,
  name?: string,
): KubeObject {
  const { apiVersion, kind } = ENV_CONFIG_KINDS[type];
  const objects = parseManifests(yaml, { field: 'yaml' });
  const invalid = (problem: string) => new InvalidInputError(text`${field('yaml')}: ${problem}`, 'yaml');
  if (objects.length !== 1) throw invalid(`a ${type} configuration is one ${kind}, found ${objects.length} objects`);
  const object = objects[0]!;
  if (object.kind !== kind) throw invalid(`a ${type} configuration is a ${kind}, found a ${object.kind}`);
  if (object.apiVersion !== apiVersion)
    throw invalid(`a ${kind} is apiVersion ${apiVersion}, found ${object.apiVersion}`);
  const objectName = object.metadata.name;
  const nameCheck = v.safeParse(EnvConfigName, objectName);
  if (!nameCheck.success) throw invalid(`metadata.name "${objectName}" ${nameCheck.issues[0].message}`);
  if (name !== undefined && name !== objectName) {
    throw new InvalidInputError(
      text`${field('name')}: "${name}" is not the name of the object in ${field('yaml')} (metadata.name "${objectName}"); they must be the same`,
      'name',
    );
  }
  const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
  return {
    ...rest,
    metadata: { ...withoutServerFields(object.metadata), name: objectName, namespace: env.namespace },
  } as KubeObject;
}

function withoutServerFields(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(metadata)) {
    if (SERVER_METADATA.includes(field)) continue;
    if (field === 'annotations' && value !== null && typeof value === 'object') {
      const { [LAST_APPLIED]: _lastApplied, ...annotations } = value as Record<string, unknown>;
      if (Object.keys(annotations).length > 0) out[field] = annotations;
      continue;
    }
    out[field] = value;
  }
  return out;
}

/** The object as YAML a user can edit and send back: apiVersion, kind, metadata first; no status or server fields. */
export function toYaml(object: KubeObject): string {
  const { apiVersion, kind, metadata, status: _status, ...rest } = object as KubeObject & { status?: unknown };
  const { name, namespace, labels, annotations, ...more } = withoutServerFields(metadata) as KubeObject['metadata'];
  const cleanMetadata = {
    name,
    ...(namespace ? { namespace } : {}),
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
    ...more,
  };
  return writeYaml({ apiVersion, kind, metadata: cleanMetadata, ...rest });
}

const objectRef = (env: Pick<EnvironmentItem, 'namespace'>, type: EnvConfigTypeName, name: string) => ({
  apiVersion: ENV_CONFIG_KINDS[type].apiVersion,
  kind: ENV_CONFIG_KINDS[type].kind,
  name,
  namespace: env.namespace,
});

/* ----------------------------------------------------------------------------
 * Rules
 * ------------------------------------------------------------------------- */

async function readEnvConfig(
  ctx: CoreContext,
  env: EnvironmentItem,
  type: EnvConfigTypeName,
  name: string,
): Promise<EnvConfigItem & ItemKey> {
  const item = await ctx.store.get<EnvConfigItem & ItemKey>(
    keys.envConfig(env.project, env.scope, env.key, type, name),
  );
  if (!item) throw new NotFoundError(ENV_CONFIG_KINDS[type].kind, name, { in: environmentName(env) });
  return item;
}

const alreadyManaged = (env: EnvironmentItem, type: EnvConfigTypeName, name: string) =>
  new ConflictError(
    `${ENV_CONFIG_KINDS[type].kind} "${name}" already exists in ${environmentName(env)}; update it instead`,
  );

async function applyConfig(cluster: KubeCluster, env: EnvironmentItem, object: KubeObject): Promise<void> {
  const [result] = await cluster.apply([object], { namespace: env.namespace });
  if (result?.outcome === 'failed') throw await applyError(cluster, env, result, 'the object could not be applied');
}

/**
 * The port reports a failed apply or delete as a result with the error's
 * code; this turns it back into the error a caller needs: the API server
 * refusing the YAML is the caller's 400, a namespace that is not there is the
 * environment's state (409), anything else is the cluster's (503).
 */
async function applyError(cluster: KubeCluster, env: EnvironmentItem, result: ApplyResult, fallback: string) {
  const message = result.message ?? fallback;
  if (result.code === 'Invalid') return new InvalidInputError(text`${field('yaml')}: ${message}`, 'yaml');
  if (result.code === 'NotFound' && !(await cluster.namespaceExists(env.namespace).catch(() => true))) {
    return new ConflictError(
      `namespace "${env.namespace}" of ${environmentName(env)} does not exist in cluster "${env.clusterId}"; retry the environment's last operation (${env.lastOperationId}) first`,
    );
  }
  return new UnavailableError(message);
}
