import type {
  ClusterConnections,
  EventSummary,
  ImageKind,
  KubeCluster,
  KubeObject,
  ScalableKind,
} from '../cluster/gateway.ts';
import { selectorMatcher } from '../cluster/selector.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { readService } from '../services/service-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { createIfAbsent, updateAtVersion } from '../store/writes.ts';
import { parseWrittenYamlStream } from '../yaml.ts';
import { writeYaml } from '../yaml/write.ts';
import { scaleWorkload } from '../workloads/scale-workload.ts';
import {
  environmentName,
  readEnvService,
  requireEnvService,
  requireEnvironment,
  storedVariables,
  type EnvRef,
  type EnvServiceAction,
  type EnvServiceItem,
  type EnvServiceRevisionItem,
  type EnvironmentItem,
} from './environment-item.ts';
import { isHelmEnvService } from './apply-helm-service.ts';
import { setHelmEnvImage } from './helm-env-services.ts';
import { podContainers, WORKLOAD_POD_SPEC } from './render-env-service.ts';
import { requireSettled } from './environment-state.ts';

type Action = EnvRef & { connections: ClusterConnections };

/** An image reference as Docker parses it: [registry[:port]/]path[:tag][@digest]. */
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** The env service that applied a workload; a workload no service of the environment owns is a 404. */
async function ownerOf(ref: Action, env: EnvironmentItem, kind: string, name: string): Promise<EnvServiceItem> {
  const services = await ref.ctx.store.listAll<EnvServiceItem>(keys.envServices(env.project, env.scope, env.key));
  const owner = services.find((service) =>
    service.appliedObjects.some((object) => object.kind === kind && object.name === name),
  );
  if (!owner) throw new NotFoundError(kind, name, { in: environmentName(env) });
  return owner;
}

type Change = Pick<EnvServiceItem, 'variableKvs' | 'containers'> & { rendered: string | undefined };

/**
 * Records a direct action as a revision of the env service, with who did it.
 * `change` derives the new values and applied YAML from the env service as
 * the request read it (`read`: the write is conditioned on its version, so a
 * second read would only cost a request); if another request changed it
 * meanwhile, it is read again and the change derived anew, once.
 */
async function recordAction(
  ref: Action,
  env: EnvironmentItem,
  read: EnvServiceItem,
  action: EnvServiceAction,
  detail: string,
  change: (current: EnvServiceItem) => Change,
): Promise<void> {
  const serviceName = read.service;
  for (let attempt = 0; ; attempt++) {
    const current = attempt === 0 ? read : await readEnvService(ref.ctx, env, serviceName);
    const next = change(current);
    const revision = current.revision + 1;
    const now = ref.ctx.now().toISOString();
    const revisionItem: EnvServiceRevisionItem & ItemKey = {
      ...keys.envServiceRevision(env.project, env.scope, env.key, serviceName, revision),
      entity: 'env-service-revision',
      action,
      detail,
      project: env.project,
      scope: env.scope,
      env: env.key,
      service: serviceName,
      revision,
      rendered: next.rendered ?? '',
      variableKvs: next.variableKvs,
      containers: next.containers,
      results: [],
      appliedBy: ref.principal.name,
      appliedAt: now,
    };
    try {
      await ref.ctx.store.transact(
        [
          updateAtVersion(
            keys.envService(env.project, env.scope, env.key, serviceName),
            current.version,
            {
              variableKvs: next.variableKvs,
              containers: next.containers,
              rendered: next.rendered ?? '',
              revision,
              updatedBy: ref.principal.name,
              updatedAt: now,
            },
            `service "${serviceName}" of environment "${env.key}" was changed by another request`,
          ),
          createIfAbsent(revisionItem),
        ],
        `service "${serviceName}" could not be recorded`,
      );
      return;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt > 0) throw error;
    }
  }
}

/** The applied YAML with one object changed, so the YAML view keeps saying what the cluster runs. */
function patchRendered(
  rendered: string | undefined,
  kind: string,
  name: string,
  mutate: (object: KubeObject) => void,
): string | undefined {
  if (rendered === undefined) return undefined;
  // The objects `renderEnvService` wrote: whole Kubernetes objects, or empty documents.
  const objects = parseWrittenYamlStream(rendered, 'rendered YAML')
    .map((document) => document.value as KubeObject | null)
    .filter((object) => object !== null);
  for (const object of objects) if (object.kind === kind && object.metadata?.name === name) mutate(object);
  return objects.map((object) => writeYaml(object)).join('---\n');
}

/**
 * Scales a workload of the environment. When the service's YAML takes the
 * replica count from a variable, the environment's value for it is rewritten,
 * so the next deploy keeps the new count.
 */
export async function scaleEnvWorkload({
  kind,
  name,
  replicas,
  ...ref
}: Action & { kind: ScalableKind; name: string; replicas: number }) {
  const env = await requireEnvironment(ref);
  requireSettled(env);
  const owner = await ownerOf(ref, env, kind, name);
  const variable = replicaVariable(
    (await readService(ref.ctx, env.project, env.scope, owner.service)).yaml,
    kind,
    name,
  );
  await scaleWorkload({
    connections: ref.connections,
    clusterId: env.clusterId,
    namespace: env.namespace,
    kind,
    name,
    replicas,
  });
  await recordAction(
    ref,
    env,
    owner,
    'scale',
    `${kind}/${name} scaled to ${replicas}${variable ? ` (variable ${variable})` : ''}`,
    (current) => ({
      variableKvs: variable
        ? [
            ...current.variableKvs.filter((kv) => kv.key !== variable),
            ...storedVariables([{ key: variable, value: String(replicas), useGlobalVariable: false }]),
          ]
        : current.variableKvs,
      containers: current.containers,
      rendered: patchRendered(current.rendered, kind, name, (object) => {
        object['spec'] = { ...(object['spec'] as object | undefined), replicas };
      }),
    }),
  );
}

/** Restarts every Deployment, StatefulSet and DaemonSet the service applied, not only the first. */
export async function restartEnvService({ serviceName, ...ref }: Action & { serviceName: string }) {
  const { env, envService: current } = await requireEnvService(ref, serviceName);
  requireSettled(env);
  const cluster = await ref.connections.get(env.clusterId);
  const restartable = current.appliedObjects.filter(
    (object) => object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'DaemonSet',
  );
  const at = ref.ctx.now();
  for (const object of restartable)
    await cluster.restart(object.kind as 'Deployment' | 'StatefulSet' | 'DaemonSet', env.namespace, object.name, at);
  const detail = `restarted ${restartable.map((object) => `${object.kind}/${object.name}`).join(', ') || 'nothing (no workloads)'}`;
  await recordAction(ref, env, current, 'restart', detail, (fresh) => ({
    variableKvs: fresh.variableKvs,
    containers: fresh.containers,
    rendered: fresh.rendered,
  }));
}

/** Deletes one pod of the environment so its controller replaces it. */
export async function restartEnvPod({ podName, ...ref }: Action & { podName: string }) {
  const env = await requireEnvironment(ref);
  requireSettled(env);
  const cluster = await ref.connections.get(env.clusterId);
  const pod = (await cluster.listPods(env.namespace)).find((candidate) => candidate.name === podName);
  if (!pod) throw new NotFoundError('pod', podName, { in: environmentName(env) });
  const owner = await podOwner(ref, env, cluster, pod.labels);
  await cluster.deletePod(env.namespace, podName);
  if (owner) {
    await recordAction(ref, env, owner, 'restart-pod', `pod ${podName} restarted`, (fresh) => ({
      variableKvs: fresh.variableKvs,
      containers: fresh.containers,
      rendered: fresh.rendered,
    }));
  }
}

/**
 * Sets one container's image in a workload of the environment. The workload
 * and the container are checked before anything is patched; the image is kept
 * in the env service, so the next render uses it. On a Helm service the image
 * is a values change and an upgrade by the worker (`setHelmEnvImage`): the
 * answer comes before the upgrade is done, and the environment is `updating`
 * until it is.
 */
export async function setEnvImage({
  kind,
  name,
  serviceName,
  container,
  image,
  ...ref
}: Action & { kind: ImageKind; name: string; serviceName: string; container: string; image: string }) {
  if (!IMAGE_REFERENCE.test(image)) throw new InvalidInputError(`image: "${image}" is not an image reference`, 'image');
  const { env, envService: current } = await requireEnvService(ref, serviceName);
  requireSettled(env);
  if (!current.appliedObjects.some((object) => object.kind === kind && object.name === name)) {
    throw new NotFoundError(kind, name, { in: `service "${serviceName}" of ${environmentName(env)}` });
  }
  if (isHelmEnvService(current)) {
    await setHelmEnvImage({ ctx: ref.ctx, principal: ref.principal, env, envService: current, container, image });
    return;
  }
  const cluster = await ref.connections.get(env.clusterId);
  await cluster.setImage(kind, env.namespace, name, container, image);
  await recordAction(ref, env, current, 'image', `${kind}/${name} container ${container} set to ${image}`, (fresh) => ({
    variableKvs: fresh.variableKvs,
    containers: [...fresh.containers.filter((entry) => entry.name !== container), { name: container, image }],
    rendered: patchRendered(fresh.rendered, kind, name, (object) => {
      for (const entry of podContainers(WORKLOAD_POD_SPEC[kind]?.(object)))
        if (entry.name === container) entry.image = image;
    }),
  }));
}

/** Events of one object of the environment. */
export async function listEnvEvents({
  kind,
  name,
  ...ref
}: Action & { kind: string; name: string }): Promise<EventSummary[]> {
  const env = await requireEnvironment(ref);
  return (await ref.connections.get(env.clusterId)).listEvents(env.namespace, { kind, name });
}

/** The env service whose workload selects these pod labels. */
async function podOwner(
  ref: Action,
  env: EnvironmentItem,
  cluster: KubeCluster,
  labels: Record<string, string>,
): Promise<EnvServiceItem | undefined> {
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
  const documents = template
    .split(/^---\s*$/m)
    .filter((document) => new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(document));
  const candidates =
    documents.length > 1
      ? documents.filter((document) => new RegExp(`^\\s+name:\\s*["']?${name}["']?\\s*$`, 'm').test(document))
      : documents;
  const match = candidates[0]?.match(/^\s+replicas:\s*["']?\{\{-?\s*\.([A-Za-z_][\w]*)\s*-?\}\}["']?\s*$/m);
  return match?.[1];
}
