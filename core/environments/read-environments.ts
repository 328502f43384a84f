import type { Principal } from '../auth/schemas.ts';
import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { requireProject } from '../projects/project-item.ts';
import { imageName } from '../render/manifests.ts';
import type { ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import type { ServiceScope } from '../services/scope.ts';
import {
  globalVariablesView,
  readEnvServices,
  requireEnvironment,
  toEnvironmentSummary,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';
import {
  cronJobsView,
  environmentStatus,
  ingressView,
  podView,
  readNamespaceState,
  scalesView,
  serviceEndpointsView,
  serviceStatus,
  serviceWorkloads,
  workloadPods,
} from './env-workloads.ts';

export async function listEnvironments({
  ctx,
  principal,
  projectKey,
  scope,
}: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
}) {
  await requireProject(ctx, principal, projectKey);
  return (await ctx.store.listAll<EnvironmentItem>(keys.environmentsIn(projectKey, scope))).map(toEnvironmentSummary);
}

/**
 * An environment with its services. Each service's status comes from its
 * pods, and the environment's from its services; the cluster is read with one
 * list per kind for the whole namespace, however many services there are.
 */
export async function getEnvironment({ connections, ...ref }: EnvRef & { connections: ClusterConnections }) {
  const env = await requireEnvironment(ref);
  const envServices = await readEnvServices(ref.ctx, env);
  const [state, projectServices] = await Promise.all([
    readNamespaceState(connections, env),
    // One Query for the project's services, not one read per env service.
    ref.ctx.store.listAll<Pick<ServiceItem, 'name' | 'containers'>>(keys.services(env.project, env.scope), {
      attributes: ['name', 'containers'],
    }),
  ]);
  const byName = new Map(projectServices.map((service) => [service.name, service]));
  const services = await Promise.all(
    envServices.map(async (envService) => {
      const service = byName.get(envService.service);
      const images = new Map(envService.containers.map((container) => [container.name, container.image]));
      return {
        service_name: envService.service,
        containers: (service?.containers ?? []).map((container) => {
          const image = images.get(container.name) ?? container.image;
          return { name: container.name, image, image_name: imageName(image) };
        }),
        variable_kvs: envService.variableKvs.map((kv) => ({
          key: kv.key,
          value: kv.value ?? '',
          use_global_variable: kv.use_global_variable,
        })),
        status: serviceStatus(envService, state),
        error: envService.error ?? null,
        revision: envService.revision,
        type: 'k8s' as const,
      };
    }),
  );
  return {
    project_key: env.project,
    env_key: env.key,
    env_name: env.name,
    update_by: env.updatedBy,
    update_time: toEnvironmentSummary(env).update_time,
    cluster_id: env.clusterId,
    namespace: env.namespace,
    registry_id: env.registryId,
    production: env.scope === 'production',
    global_variables: globalVariablesView(env, envServices),
    services,
    status: environmentStatus(
      env,
      services.map((service) => service.status),
    ),
    status_message: env.statusMessage ?? null,
    operation_id: env.lastOperationId,
  };
}

/** One service of an environment with its workloads, pods, Services, Ingresses and CronJobs (the spec's shape). */
export async function getEnvServiceDetail({
  connections,
  serviceName,
  workloadType,
  ...ref
}: EnvRef & { connections: ClusterConnections; serviceName: string; workloadType?: string | undefined }) {
  const env = await requireEnvironment(ref);
  const envService = await readEnvService(ref, serviceName);
  const cluster = await connections.get(env.clusterId);
  const owns = (kind: string, name: string) =>
    envService.appliedObjects.some((object) => object.kind === kind && object.name === name);
  const [workloads, pods, services, cronJobs, ingresses] = await Promise.all([
    cluster.listWorkloads(env.namespace),
    cluster.listPods(env.namespace),
    cluster.listServices(env.namespace),
    cluster.listCronJobs(env.namespace),
    envService.appliedObjects.some((object) => object.kind === 'Ingress')
      ? cluster.listObjects({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: env.namespace })
      : Promise.resolve([]),
  ]);
  const now = ref.ctx.now();
  const scales = serviceWorkloads(envService, workloads).filter(
    (workload) => !workloadType || workload.kind.toLowerCase() === workloadType.toLowerCase(),
  );
  return {
    service_name: serviceName,
    scales: scalesView(scales, pods, now),
    ingress: ingressView(ingresses.filter((ingress) => owns('Ingress', ingress.metadata.name))),
    service_endpoints: serviceEndpointsView(
      services.filter((service) => owns('Service', service.name)),
      now,
    ),
    cron_jobs: cronJobsView(cronJobs.filter((job) => owns('CronJob', job.name))),
    namespace: env.namespace,
    env_name: env.key,
    product_name: env.project,
    group_name: '',
  };
}

/** The pods of one service of an environment. */
export async function listEnvServicePods({
  connections,
  serviceName,
  ...ref
}: EnvRef & { connections: ClusterConnections; serviceName: string }) {
  const env = await requireEnvironment(ref);
  const envService = await readEnvService(ref, serviceName);
  const cluster = await connections.get(env.clusterId);
  const [workloads, pods] = await Promise.all([cluster.listWorkloads(env.namespace), cluster.listPods(env.namespace)]);
  const now = ref.ctx.now();
  return serviceWorkloads(envService, workloads).flatMap((workload) =>
    workloadPods(workload, pods).map((pod) => podView(pod, now)),
  );
}

async function readEnvService(ref: EnvRef, serviceName: string): Promise<EnvServiceItem> {
  const envService = await ref.ctx.store.get<EnvServiceItem>(
    keys.envService(ref.projectKey, ref.scope, ref.envKey, serviceName),
  );
  if (!envService) throw new NotFoundError(`service of environment "${ref.envKey}"`, serviceName);
  return envService;
}

/** The YAML last applied for one service of an environment, as raw text. */
export async function getEnvServiceYaml({ serviceName, ...ref }: EnvRef & { serviceName: string }): Promise<string> {
  await requireEnvironment(ref);
  const envService = await ref.ctx.store.get<EnvServiceItem>(
    keys.envService(ref.projectKey, ref.scope, ref.envKey, serviceName),
  );
  if (!envService) throw new NotFoundError(`service of environment "${ref.envKey}"`, serviceName);
  if (envService.rendered === undefined)
    throw new NotFoundError(`applied YAML of service "${serviceName}" (not applied yet)`, ref.envKey);
  return envService.rendered;
}
