import type { CronJobSummary, EventSummary, PodSummary, ServiceSummary } from '../../core/cluster/gateway.ts';
import { InvalidInputError } from '../../core/errors.ts';
import type { EnvConfigState, EnvConfigItem } from '../../core/environments/env-configs.ts';
import type { EnvConfigTypeName } from '../../core/environments/env-config-schemas.ts';
import type { IngressSummary } from '../../core/environments/env-workloads.ts';
import type { EnvironmentItem, GlobalVariable } from '../../core/environments/environment-item.ts';
import type { OperationItem } from '../../core/environments/operation-item.ts';
import type { EnvironmentDetail, EnvServiceDetail, WorkloadPods } from '../../core/environments/read-environments.ts';
import type {
  EnvironmentChange,
  EnvServiceInput as DomainEnvServiceInput,
  NewEnvironment,
} from '../../core/environments/schemas.ts';
import type { ShareChecks } from '../../core/environments/sub-environment-checks.ts';
import type { EntryService } from '../../core/environments/sub-environment-portal.ts';
import type { PortalServer } from '../../core/environments/sub-environment-schemas.ts';
import { scopeOf } from '../../core/services/service-item.ts';
import { wireFieldsFrom } from '../zadig/errors.ts';
import { containerView, unixSeconds, unixSecondsOrZero } from '../zadig/views.ts';
import type {
  AddEnvConfigInput,
  AddEnvServicesInput,
  CreateEnvironmentInput,
  DeleteEnvServicesInput,
  EditEnvironmentInput,
  EnvServiceInput,
  ScaleInput,
  SetImageInput,
  SetPortalInput,
  UpdateEnvConfigInput,
  UpdateEnvServicesInput,
  UpdateGlobalVariablesInput,
} from './schemas.ts';

/**
 * The zadig-environment group's wire names: request bodies to the domain's
 * inputs, domain data to Zadig's responses, and the fields errors name.
 */

export const wireField = wireFieldsFrom({
  yaml: 'yaml_data',
  configs: 'env_configs',
  globalVariables: 'global_variables',
  serviceNames: 'service_names',
  baseEnv: 'sub_env.base_env',
});

export const SUCCESS = { message: 'success' } as const;

/* Requests */

export const envServicesFrom = (list: readonly EnvServiceInput[]): DomainEnvServiceInput[] =>
  list.map((service) => ({
    name: service.service_name,
    variables: service.variable_kvs.map((kv) => ({
      key: kv.key,
      ...(kv.value === undefined ? {} : { value: kv.value }),
      useGlobalVariable: kv.use_global_variable,
    })),
    containers: service.containers.map((container) => ({ name: container.name, image: container.image })),
  }));

export const addServicesFrom = (body: AddEnvServicesInput) => ({
  envKey: body.env_key,
  services: envServicesFrom(body.service_list),
});

export const updateServicesFrom = (body: UpdateEnvServicesInput) => ({ services: envServicesFrom(body.service_list) });

export const deleteServicesFrom = (body: DeleteEnvServicesInput) => ({
  envKey: body.env_key,
  serviceNames: body.service_names,
  keepResources: body.not_delete_resource,
});

export const globalValuesFrom = (body: UpdateGlobalVariablesInput) => ({ values: body.global_variables });

export const newEnvironmentFrom = (body: CreateEnvironmentInput): NewEnvironment => ({
  key: body.env_key,
  name: body.env_name,
  clusterId: body.cluster_id,
  namespace: body.namespace,
  registryId: body.registry_id,
  globalVariables: body.global_variables,
  services: envServicesFrom(body.services),
  configs: body.env_configs.map((config) => ({ type: config.common_env_cfg_type, yaml: config.yaml_data })),
  baseEnv: baseEnvFrom(body.sub_env),
});

/** As in Zadig, `sub_env` with `enable: false` makes a plain environment. */
function baseEnvFrom(subEnv: CreateEnvironmentInput['sub_env']): string | undefined {
  const [wanted] = Array.isArray(subEnv) ? subEnv : subEnv ? [subEnv] : [];
  return wanted?.enable ? wanted.base_env : undefined;
}

export const environmentChangeFrom = (body: EditEnvironmentInput): EnvironmentChange => ({
  registryId: body.registry_id,
  name: body.env_name,
});

export const newEnvConfigFrom = (body: AddEnvConfigInput) => ({ type: body.common_env_cfg_type, yaml: body.yaml_data });

export const envConfigChangeFrom = (body: UpdateEnvConfigInput) => ({
  envKey: body.env_key,
  input: { name: body.name, type: body.common_env_cfg_type, yaml: body.yaml_data },
});

export const portalServersFrom = (body: SetPortalInput): PortalServer[] =>
  body.map((server) => ({ host: server.host, port: server.port_number, protocol: server.port_protocol }));

export const scaleFrom = (body: ScaleInput) => ({
  scope: scopeOf(body.production),
  projectKey: body.project_key,
  envKey: body.env_key,
  kind: body.workload_type,
  name: body.workload_name,
  replicas: body.target_replicas,
});

/** The image body names the environment again; it must be the path's. */
export function imageChangeFrom(body: SetImageInput, envKey: string) {
  if (body.env_name !== envKey)
    throw new InvalidInputError(
      `env_name "${body.env_name}" is not the environment of the path ("${envKey}")`,
      'env_name',
    );
  return {
    scope: scopeOf(body.production),
    projectKey: body.product_name,
    name: body.name,
    serviceName: body.service_name,
    container: body.container_name,
    image: body.image,
  };
}

/* Responses */

/** The documented `{"message":"success"}`, with the operation that carries the change out. */
export const acceptedView = (result: { operationId?: string | undefined }) => ({
  ...SUCCESS,
  ...(result.operationId ? { operation_id: result.operationId } : {}),
});

export const globalsUpdatedView = (result: { operationId?: string | undefined; reapplied: string[] }) => ({
  ...acceptedView(result),
  related_services: result.reapplied,
});

export const environmentSummaryView = (env: EnvironmentItem) => ({
  env_name: env.name,
  env_key: env.key,
  cluster_id: env.clusterId,
  namespace: env.namespace,
  production: env.scope === 'production',
  registry_id: env.registryId,
  status: env.status,
  update_by: env.updatedBy,
  update_time: unixSeconds(env.updatedAt),
});

export const globalVariablesView = (globals: readonly GlobalVariable[]) =>
  globals.map(({ relatedServices, ...variable }) => ({ ...variable, related_services: relatedServices }));

export const environmentDetailView = ({ environment: env, globalVariables, services, status }: EnvironmentDetail) => ({
  project_key: env.project,
  env_key: env.key,
  env_name: env.name,
  update_by: env.updatedBy,
  update_time: unixSeconds(env.updatedAt),
  cluster_id: env.clusterId,
  namespace: env.namespace,
  registry_id: env.registryId,
  production: env.scope === 'production',
  global_variables: globalVariablesView(globalVariables),
  services: services.map(({ envService, containers, status: serviceStatus }) => ({
    service_name: envService.service,
    containers: containers.map(containerView),
    variable_kvs: envService.variableKvs.map((kv) => ({
      key: kv.key,
      value: kv.value ?? '',
      use_global_variable: kv.use_global_variable,
    })),
    status: serviceStatus,
    error: envService.error ?? null,
    revision: envService.revision,
    type: envService.helm ? ('helm' as const) : ('k8s' as const),
  })),
  status,
  status_message: env.statusMessage ?? null,
  operation_id: env.lastOperationId,
});

export function age(createdAt: string | null, now: Date): string {
  if (!createdAt) return '';
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(createdAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** A pod as Zadig's service detail shows it. */
export const podView = (pod: PodSummary, now: Date) => ({
  kind: pod.ownerReferences[0]?.kind ?? 'Pod',
  name: pod.name,
  status: pod.phase,
  age: age(pod.createdAt, now),
  createtime: unixSecondsOrZero(pod.createdAt),
  ip: pod.podIP ?? '',
  labels: pod.labels,
  containers: pod.containers.map((container) => ({
    name: container.name,
    image: container.image,
    restart_count: container.restartCount,
    status: container.state,
    ready: container.ready,
    ports: container.ports,
    message: container.message,
    reason: container.reason,
    started_at: unixSecondsOrZero(container.startedAt),
  })),
  node_name: pod.nodeName ?? '',
  host_ip: pod.hostIP ?? '',
  enable_debug_container: false,
  pod_ready: pod.ready,
  containers_ready: pod.containersReady,
  containers_message: pod.containers
    .filter((container) => container.message !== '')
    .map((container) => `${container.name}: ${container.message}`)
    .join('; '),
});

/** The spec's `scales`: each workload of the service with its images and pods. */
const scaleView = ({ workload, pods }: WorkloadPods, now: Date) => ({
  name: workload.name,
  type: workload.kind,
  images: workload.containers.map(containerView),
  pods: pods.map((pod) => podView(pod, now)),
  replicas: workload.replicas,
  zadigx_release_type: '',
  zadigx_release_tag: '',
});

const serviceEndpointsView = (service: ServiceSummary, now: Date) => ({
  name: service.name,
  age: age(service.createdAt, now),
  labels: service.labels,
  endpoints: service.ports.map((port) => ({
    service_name: service.name,
    service_port: port.port,
    node_port: port.nodePort ?? 0,
  })),
});

const ingressView = (ingress: IngressSummary) => ({
  name: ingress.name,
  host_info: ingress.rules.map((rule) => ({
    host: rule.host,
    backends: rule.backends.map((backend) => ({
      path: backend.path,
      service_name: backend.service,
      service_port: backend.port,
    })),
  })),
});

const cronJobView = (job: CronJobSummary) => ({
  name: job.name,
  schedule: job.schedule,
  suspend: job.suspend,
  last_schedule_time: unixSecondsOrZero(job.lastScheduleTime),
  images: job.containers.map(containerView),
});

/** One service of an environment with its workloads, pods, Services, Ingresses and CronJobs (the spec's shape). */
export const envServiceDetailView = (detail: EnvServiceDetail, now: Date) => ({
  service_name: detail.service,
  scales: detail.workloads.map((workload) => scaleView(workload, now)),
  ingress: detail.ingresses.map(ingressView),
  service_endpoints: detail.services.map((service) => serviceEndpointsView(service, now)),
  cron_jobs: detail.cronJobs.map(cronJobView),
  namespace: detail.environment.namespace,
  env_name: detail.environment.key,
  product_name: detail.environment.project,
  group_name: '',
});

export const eventView = (event: EventSummary) => ({
  reason: event.reason,
  message: event.message,
  first_seen: unixSecondsOrZero(event.firstSeen),
  last_seen: unixSecondsOrZero(event.lastSeen),
  count: event.count,
  type: event.type,
});

/** An operation as `GET /openapi/operations/:id` shows it. */
export const operationView = (operation: OperationItem) => ({
  operation_id: operation.id,
  kind: operation.kind,
  project_key: operation.project,
  env_key: operation.env,
  production: operation.scope === 'production',
  state: operation.state,
  error: operation.error ?? null,
  services: Object.entries(operation.results).map(([service, result]) => ({
    service_name: service,
    outcome: result.outcome,
    message: result.message ?? null,
    objects: result.objects.map((object) => ({
      kind: object.kind,
      name: object.name,
      outcome: object.outcome,
      message: object.message ?? null,
    })),
  })),
  pending_services: operation.services.filter((service) => !(service in operation.results)),
  retry_of: operation.retryOf ?? null,
  created_by: operation.createdBy,
  created_time: unixSeconds(operation.createdAt),
  started_time: operation.startedAt ? unixSeconds(operation.startedAt) : null,
  finished_time: operation.finishedAt ? unixSeconds(operation.finishedAt) : null,
});

/** One entry of the documented list; `in_cluster` is Berth's: false when the object was deleted behind Berth's back. */
export const envConfigSummaryView = (config: EnvConfigState) => ({
  name: config.name,
  env_name: config.env,
  project_name: config.project,
  common_env_cfg_type: config.type,
  update_time: unixSeconds(config.updatedAt),
  in_cluster: config.inCluster,
});

/** The key a configuration's detail is answered under, by type. */
const DETAIL_KEYS: Record<EnvConfigTypeName, string> = {
  ConfigMap: 'configMap_detail',
  Secret: 'secret_detail',
  Ingress: 'ingress_detail',
  PVC: 'pvc_detail',
};

export const envConfigDetailView = ({ config, yaml }: { config: EnvConfigItem; yaml: string }) => ({
  [DETAIL_KEYS[config.type]]: {
    name: config.name,
    common_env_cfg_type: config.type,
    created_time: unixSeconds(config.createdAt),
    env_key: config.env,
    product_key: config.project,
    yaml_data: yaml,
  },
});

export const shareReadinessView = ({ ready, checks }: { ready: boolean; checks: ShareChecks }) => ({
  is_ready: ready,
  checks: {
    namespace_has_istio_label: checks.namespaceInjected,
    virtualservice_deployed: checks.virtualServicesDeployed,
    pods_have_istio_proxy: checks.podsHaveSidecar,
    workloads_ready: checks.workloadsReady,
    workloads_have_k8s_service: checks.workloadsHaveService,
  },
});

export const entryServiceView = (entry: EntryService) => ({
  default_gateway_address: entry.defaultGatewayAddress,
  servers: entry.servers.map((server) => ({
    host: server.host,
    port_number: server.port,
    port_protocol: server.protocol,
  })),
});
