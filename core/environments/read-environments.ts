import type { Principal } from '../auth/schemas.ts';
import type {
  ClusterConnections,
  CronJobSummary,
  PodSummary,
  ServiceSummary,
  WorkloadSummary,
} from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { requireProject } from '../projects/project-item.ts';
import type { ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import type { ServiceScope } from '../services/scope.ts';
import {
  environmentName,
  globalVariablesOf,
  requireEnvService,
  readEnvServiceSummaries,
  requireEnvironment,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
  type GlobalVariable,
} from './environment-item.ts';
import {
  environmentStatus,
  ingressSummary,
  indexNamespace,
  readNamespaceState,
  serviceStatus,
  type IngressSummary,
  type ServiceStatus,
} from './env-workloads.ts';
import type { ContainerImage } from './schemas.ts';

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
}): Promise<EnvironmentItem[]> {
  await requireProject(ctx, principal, projectKey);
  return ctx.store.listAll<EnvironmentItem>(keys.environmentsIn(projectKey, scope));
}

/** One service of an environment: its containers with the images the environment runs, and its status. */
export type EnvServiceState = {
  envService: EnvServiceItem;
  containers: ContainerImage[];
  status: ServiceStatus;
};

export type EnvironmentDetail = {
  environment: EnvironmentItem;
  globalVariables: GlobalVariable[];
  services: EnvServiceState[];
  status: string;
};

/**
 * An environment with its services. Each service's status comes from its
 * pods, and the environment's from its services; the cluster is read with one
 * list per kind for the whole namespace, however many services there are.
 */
export async function getEnvironment({
  connections,
  ...ref
}: EnvRef & { connections: ClusterConnections }): Promise<EnvironmentDetail> {
  const env = await requireEnvironment(ref);
  // The table and the cluster are read at once: the env services, their project services and the namespace.
  const [envServices, state, projectServices] = await Promise.all([
    readEnvServiceSummaries(ref.ctx, env),
    readNamespaceState(connections, env),
    // One Query for the project's services, not one read per env service.
    ref.ctx.store.listAll<Pick<ServiceItem, 'name' | 'containers'>>(keys.services(env.project, env.scope), {
      attributes: ['name', 'containers'],
    }),
  ]);
  const byName = new Map(projectServices.map((service) => [service.name, service]));
  const services = envServices.map((envService) => {
    const images = new Map(envService.containers.map((container) => [container.name, container.image]));
    return {
      envService,
      containers: (byName.get(envService.service)?.containers ?? []).map((container) => ({
        name: container.name,
        image: images.get(container.name) ?? container.image,
      })),
      status: serviceStatus(envService, state),
    };
  });
  return {
    environment: env,
    globalVariables: globalVariablesOf(env, envServices),
    services,
    status: environmentStatus(
      env,
      services.map((service) => service.status),
    ),
  };
}

/** A workload of a service with its live pods. */
export type WorkloadPods = { workload: WorkloadSummary; pods: PodSummary[] };

export type EnvServiceDetail = {
  environment: EnvironmentItem;
  service: string;
  workloads: WorkloadPods[];
  ingresses: IngressSummary[];
  services: ServiceSummary[];
  cronJobs: CronJobSummary[];
};

/** One service of an environment with its workloads, pods, Services, Ingresses and CronJobs. */
export async function getEnvServiceDetail({
  connections,
  serviceName,
  workloadType,
  ...ref
}: EnvRef & {
  connections: ClusterConnections;
  serviceName: string;
  workloadType?: string | undefined;
}): Promise<EnvServiceDetail> {
  const { env, envService } = await requireEnvService(ref, serviceName);
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
  const state = indexNamespace(workloads, pods);
  return {
    environment: env,
    service: serviceName,
    workloads: state
      .workloadsOf(envService)
      .filter((workload) => !workloadType || workload.kind.toLowerCase() === workloadType.toLowerCase())
      .map((workload) => ({ workload, pods: state.podsOf(workload) })),
    ingresses: ingresses.filter((ingress) => owns('Ingress', ingress.metadata.name)).map(ingressSummary),
    services: services.filter((service) => owns('Service', service.name)),
    cronJobs: cronJobs.filter((job) => owns('CronJob', job.name)),
  };
}

/** The pods of one service of an environment. */
export async function listEnvServicePods({
  connections,
  serviceName,
  ...ref
}: EnvRef & { connections: ClusterConnections; serviceName: string }): Promise<PodSummary[]> {
  const { env, envService } = await requireEnvService(ref, serviceName);
  const cluster = await connections.get(env.clusterId);
  const [workloads, pods] = await Promise.all([cluster.listWorkloads(env.namespace), cluster.listPods(env.namespace)]);
  const state = indexNamespace(workloads, pods);
  return state.workloadsOf(envService).flatMap((workload) => state.podsOf(workload));
}

/** The YAML last applied for one service of an environment, as raw text. */
export async function getEnvServiceYaml({ serviceName, ...ref }: EnvRef & { serviceName: string }): Promise<string> {
  const { env, envService } = await requireEnvService(ref, serviceName);
  if (envService.rendered === undefined)
    throw new NotFoundError('applied YAML of service', serviceName, {
      in: `${environmentName(env)} (not applied yet)`,
    });
  return envService.rendered;
}
