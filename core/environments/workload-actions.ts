import type { ClusterConnections, ImageKind, KubeCluster, ScalableKind } from '../cluster/gateway.ts';
import { selectorMatcher } from '../cluster/selector.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { pullSecretFor } from '../registries/pull-secret.ts';
import { readService } from '../services/service-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { scaleWorkload } from '../workloads/scale-workload.ts';
import { requireEnvironment, type EnvRef, type EnvServiceAction, type EnvServiceItem, type EnvServiceRevisionItem, type EnvironmentItem } from './environment-item.ts';
import { pullSecretName } from './run-operation.ts';
import { renderEnvService } from './render-env-service.ts';
import type { EnvVariableKV } from './schemas.ts';

type Action = EnvRef & { connections: ClusterConnections };

/** An image reference as Docker parses it: [registry[:port]/]path[:tag][@digest]. */
const IMAGE_REFERENCE = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

async function envService(ref: Action, serviceName: string): Promise<{ env: EnvironmentItem; envService: EnvServiceItem }> {
  const env = await requireEnvironment(ref);
  const item = await ref.ctx.store.get<EnvServiceItem>(keys.envService(env.project, env.scope, env.key, serviceName));
  if (!item) throw new NotFoundError(`service of environment "${env.key}"`, serviceName);
  return { env, envService: item };
}

/** The env service that applied a workload; a workload no service of the environment owns is a 404. */
async function ownerOf(ref: Action, env: EnvironmentItem, kind: string, name: string): Promise<EnvServiceItem> {
  const services = await ref.ctx.store.listAll<EnvServiceItem>(keys.envServices(env.project, env.scope, env.key));
  const owner = services.find((service) => service.appliedObjects.some((object) => object.kind === kind && object.name === name));
  if (!owner) throw new NotFoundError(`${kind} of environment "${env.key}"`, name);
  return owner;
}

/**
 * Records a direct action as a revision of the env service, with who did it.
 * When the env service's values change (an image, a replica count), the
 * service is rendered again so its YAML view and the next apply keep them.
 */
async function recordAction(
  ref: Action,
  env: EnvironmentItem,
  current: EnvServiceItem,
  action: EnvServiceAction,
  detail: string,
  changes: Pick<EnvServiceItem, 'variableKvs' | 'containers'> = current,
): Promise<void> {
  const service = await readService(ref.ctx, env.project, env.scope, current.service);
  const secretName = pullSecretName(env.registryId);
  const withSecret = (await pullSecretFor({ ctx: ref.ctx, registryId: env.registryId, name: secretName })) !== undefined;
  const rendered = renderEnvService({ env, service, envService: changes, globals: env.globalVariables, pullSecretName: withSecret ? secretName : undefined });
  const revision = current.revision + 1;
  const now = ref.ctx.now().toISOString();
  const revisionItem: EnvServiceRevisionItem & ItemKey = {
    ...keys.envServiceRevision(env.project, env.scope, env.key, current.service, revision),
    entity: 'env-service-revision',
    action,
    detail,
    project: env.project,
    scope: env.scope,
    env: env.key,
    service: current.service,
    revision,
    rendered: rendered.yaml,
    variableKvs: changes.variableKvs,
    containers: changes.containers,
    results: [],
    appliedBy: ref.principal.name,
    appliedAt: now,
  };
  await ref.ctx.store.transact(
    [
      {
        Update: {
          Key: keys.envService(env.project, env.scope, env.key, current.service),
          UpdateExpression: 'SET variableKvs = :kvs, containers = :containers, rendered = :rendered, revision = :revision, updatedBy = :by, updatedAt = :at, version = version + :one',
          // Guards against a concurrent edit of the same env service's values.
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: {
            ':kvs': changes.variableKvs,
            ':containers': changes.containers,
            ':rendered': rendered.yaml,
            ':revision': revision,
            ':by': ref.principal.name,
            ':at': now,
            ':one': 1,
            ':version': current.version,
          },
        },
        conflict: `service "${current.service}" of environment "${env.key}" was changed by another request; read it again and retry`,
      },
      { Put: { Item: revisionItem } },
    ],
    `service "${current.service}" could not be recorded`,
  );
}

/**
 * Scales a workload of the environment. When the service's YAML takes the
 * replica count from a variable, the environment's value for it is rewritten,
 * so the next deploy keeps the new count.
 */
export async function scaleEnvWorkload({ kind, name, replicas, ...ref }: Action & { kind: ScalableKind; name: string; replicas: number }) {
  const env = await requireEnvironment(ref);
  const owner = await ownerOf(ref, env, kind, name);
  await scaleWorkload({ connections: ref.connections, clusterId: env.clusterId, namespace: env.namespace, kind, name, replicas });
  const service = await readService(ref.ctx, env.project, env.scope, owner.service);
  const variable = replicaVariable(service.yaml, kind, name);
  const variableKvs: EnvVariableKV[] = variable
    ? [...owner.variableKvs.filter((kv) => kv.key !== variable), { key: variable, value: String(replicas), use_global_variable: false }]
    : owner.variableKvs;
  await recordAction(ref, env, owner, 'scale', `${kind}/${name} scaled to ${replicas}${variable ? ` (variable ${variable})` : ''}`, { variableKvs, containers: owner.containers });
}

/** Restarts every Deployment, StatefulSet and DaemonSet the service applied, not only the first. */
export async function restartEnvService({ serviceName, ...ref }: Action & { serviceName: string }) {
  const { env, envService: current } = await envService(ref, serviceName);
  const cluster = await ref.connections.get(env.clusterId);
  const restartable = current.appliedObjects.filter((object) => object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'DaemonSet');
  const at = ref.ctx.now();
  for (const object of restartable) await cluster.restart(object.kind as 'Deployment' | 'StatefulSet' | 'DaemonSet', env.namespace, object.name, at);
  await recordAction(ref, env, current, 'restart', `restarted ${restartable.map((object) => `${object.kind}/${object.name}`).join(', ') || 'nothing (no workloads)'}`);
}

/** Deletes one pod of the environment so its controller replaces it. */
export async function restartEnvPod({ podName, ...ref }: Action & { podName: string }) {
  const env = await requireEnvironment(ref);
  const cluster = await ref.connections.get(env.clusterId);
  const pod = (await cluster.listPods(env.namespace)).find((candidate) => candidate.name === podName);
  if (!pod) throw new NotFoundError(`pod of environment "${env.key}"`, podName);
  await cluster.deletePod(env.namespace, podName);
  const owner = await podOwner(ref, env, cluster, pod.labels);
  if (owner) await recordAction(ref, env, owner, 'restart-pod', `pod ${podName} restarted`);
}

/**
 * Sets one container's image in a workload of the environment. The workload
 * and the container are checked before anything is patched; the image is kept
 * in the env service, so the next render uses it.
 */
export async function setEnvImage({ kind, name, serviceName, container, image, ...ref }: Action & { kind: ImageKind; name: string; serviceName: string; container: string; image: string }) {
  if (!IMAGE_REFERENCE.test(image)) throw new InvalidInputError(`image: "${image}" is not an image reference`, 'image');
  const { env, envService: current } = await envService(ref, serviceName);
  if (!current.appliedObjects.some((object) => object.kind === kind && object.name === name)) {
    throw new NotFoundError(`${kind} of service "${serviceName}"`, name);
  }
  const cluster = await ref.connections.get(env.clusterId);
  await cluster.setImage(kind, env.namespace, name, container, image);
  const containers = [...current.containers.filter((entry) => entry.name !== container), { name: container, image }];
  await recordAction(ref, env, current, 'image', `${kind}/${name} container ${container} set to ${image}`, { variableKvs: current.variableKvs, containers });
}

/** Events of one object of the environment, as the spec lists them. */
export async function listEnvEvents({ kind, name, ...ref }: Action & { kind: string; name: string }) {
  const env = await requireEnvironment(ref);
  const events = await (await ref.connections.get(env.clusterId)).listEvents(env.namespace, { kind, name });
  const unix = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);
  return events.map((event) => ({ reason: event.reason, message: event.message, first_seen: unix(event.firstSeen), last_seen: unix(event.lastSeen), count: event.count, type: event.type }));
}

/** The env service whose workload selects these pod labels. */
async function podOwner(ref: Action, env: EnvironmentItem, cluster: KubeCluster, labels: Record<string, string>): Promise<EnvServiceItem | undefined> {
  const workloads = await cluster.listWorkloads(env.namespace);
  const workload = workloads.find((candidate) => selectorMatcher(candidate.labelSelector)(labels));
  if (!workload) return undefined;
  return ownerOf(ref, env, workload.kind, workload.name).catch(() => undefined);
}

/**
 * The variable a workload's `replicas:` reads, if its YAML template says
 * `replicas: {{.name}}` in the document of that kind (and name, when several).
 */
export function replicaVariable(template: string, kind: string, name: string): string | undefined {
  const documents = template.split(/^---\s*$/m).filter((document) => new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(document));
  const candidates = documents.length > 1 ? documents.filter((document) => new RegExp(`^\\s+name:\\s*["']?${name}["']?\\s*$`, 'm').test(document)) : documents;
  const match = candidates[0]?.match(/^\s+replicas:\s*["']?\{\{-?\s*\.([A-Za-z_][\w]*)\s*-?\}\}["']?\s*$/m);
  return match?.[1];
}
