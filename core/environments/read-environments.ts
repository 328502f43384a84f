import type { Principal } from '../auth/schemas.ts';
import type { ClusterConnections, WorkloadSummary } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { requireProject } from '../projects/project-item.ts';
import { imageName } from '../render/manifests.ts';
import { readService } from '../services/service-item.ts';
import { keys, type ServiceScope } from '../store/keys.ts';
import {
  globalVariablesView,
  readEnvServices,
  requireEnvironment,
  toEnvironmentSummary,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';

export async function listEnvironments({ ctx, principal, projectKey, scope }: { ctx: CoreContext; principal: Principal; projectKey: string; scope: ServiceScope }) {
  await requireProject(ctx, principal, projectKey);
  return (await ctx.store.listAll<EnvironmentItem>(keys.environmentsIn(projectKey, scope))).map(toEnvironmentSummary);
}

export type ServiceStatus = 'running' | 'unstable' | 'unstart' | 'failed' | 'pending' | 'unknown';

/**
 * An environment with its services. A service's status comes from its
 * workloads in the cluster (read with one list per kind for the whole
 * namespace, however many services there are); `unknown` when the cluster
 * does not answer.
 */
export async function getEnvironment({ connections, ...ref }: EnvRef & { connections: ClusterConnections }) {
  const env = await requireEnvironment(ref);
  const envServices = await readEnvServices(ref.ctx, env);
  const workloads = await namespaceWorkloads(connections, env);
  const services = await Promise.all(
    envServices.map(async (envService) => {
      const service = await readService(ref.ctx, env.project, env.scope, envService.service).catch(() => undefined);
      const images = new Map(envService.containers.map((container) => [container.name, container.image]));
      return {
        service_name: envService.service,
        containers: (service?.containers ?? []).map((container) => {
          const image = images.get(container.name) ?? container.image;
          return { name: container.name, image, image_name: imageName(image) };
        }),
        variable_kvs: envService.variableKvs.map((kv) => ({ key: kv.key, value: kv.value ?? '', use_global_variable: kv.use_global_variable })),
        status: serviceStatus(envService, workloads),
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
    status: env.status,
    status_message: env.statusMessage ?? null,
    operation_id: env.lastOperationId,
  };
}

/** The YAML last applied for one service of an environment, as raw text. */
export async function getEnvServiceYaml({ serviceName, ...ref }: EnvRef & { serviceName: string }): Promise<string> {
  await requireEnvironment(ref);
  const envService = await ref.ctx.store.get<EnvServiceItem>(keys.envService(ref.projectKey, ref.scope, ref.envKey, serviceName));
  if (!envService) throw new NotFoundError(`service of environment "${ref.envKey}"`, serviceName);
  if (envService.rendered === undefined) throw new NotFoundError(`applied YAML of service "${serviceName}" (not applied yet)`, ref.envKey);
  return envService.rendered;
}

async function namespaceWorkloads(connections: ClusterConnections, env: EnvironmentItem): Promise<WorkloadSummary[] | undefined> {
  try {
    return await (await connections.get(env.clusterId)).listWorkloads(env.namespace);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'Unavailable') return undefined;
    throw error;
  }
}

function serviceStatus(envService: EnvServiceItem, workloads: WorkloadSummary[] | undefined): ServiceStatus {
  if (envService.status === 'pending') return 'pending';
  if (envService.status === 'failed') return 'failed';
  if (!workloads) return 'unknown';
  const own = workloads.filter((workload) => envService.appliedObjects.some((object) => object.kind === workload.kind && object.name === workload.name));
  if (own.length === 0) return 'running';
  if (own.every((workload) => workload.readyReplicas >= workload.replicas)) return 'running';
  return own.some((workload) => workload.readyReplicas > 0) ? 'unstable' : 'unstart';
}
