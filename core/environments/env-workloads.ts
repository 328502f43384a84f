import type {
  ClusterConnections,
  CronJobSummary,
  KubeObject,
  PodSummary,
  ServiceSummary,
  WorkloadSummary,
} from '../cluster/gateway.ts';
import { selectorMatcher } from '../cluster/selector.ts';
import { DomainError } from '../errors.ts';
import { imageName } from '../render/manifests.ts';
import type { EnvServiceItem, EnvironmentItem } from './environment-item.ts';

export type ServiceStatus = 'running' | 'unstable' | 'unstart' | 'succeeded' | 'failed' | 'pending' | 'unknown';

/** What a namespace runs, read with one list per kind, whatever the number of services. */
export type NamespaceState = { workloads: WorkloadSummary[]; pods: PodSummary[] };

export async function readNamespaceState(
  connections: ClusterConnections,
  env: Pick<EnvironmentItem, 'clusterId' | 'namespace'>,
): Promise<NamespaceState | undefined> {
  try {
    const cluster = await connections.get(env.clusterId);
    const [workloads, pods] = await Promise.all([
      cluster.listWorkloads(env.namespace),
      cluster.listPods(env.namespace),
    ]);
    return { workloads, pods };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'Unavailable') return undefined;
    throw error;
  }
}

/** The workloads an env service applied (by kind and name). */
export const serviceWorkloads = (
  envService: Pick<EnvServiceItem, 'appliedObjects'>,
  workloads: readonly WorkloadSummary[],
) =>
  workloads.filter((workload) =>
    envService.appliedObjects.some((object) => object.kind === workload.kind && object.name === workload.name),
  );

/** A workload's live pods, found by its own selector. */
export function workloadPods(workload: WorkloadSummary, pods: readonly PodSummary[]): PodSummary[] {
  const matches = selectorMatcher(workload.labelSelector);
  return pods.filter((pod) => !pod.terminating && matches(pod.labels));
}

/** A service's status from its pods: all ready is running, some is unstable, none is unstart. */
export function serviceStatus(envService: EnvServiceItem, state: NamespaceState | undefined): ServiceStatus {
  if (envService.status === 'pending') return 'pending';
  if (envService.status === 'failed') return 'failed';
  if (!state) return 'unknown';
  const workloads = serviceWorkloads(envService, state.workloads);
  if (workloads.length === 0) return 'running';
  const pods = workloads.flatMap((workload) => workloadPods(workload, state.pods));
  const wanted = workloads.reduce((sum, workload) => sum + workload.replicas, 0);
  if (wanted === 0) return 'running';
  if (pods.length > 0 && pods.every((pod) => pod.phase === 'Succeeded')) return 'succeeded';
  const ready = pods.filter((pod) => pod.phase === 'Running' && pod.ready).length;
  if (ready >= wanted) return 'running';
  return ready > 0 ? 'unstable' : 'unstart';
}

/** The environment's status: what it is busy with, else what its services say. */
export function environmentStatus(env: EnvironmentItem, statuses: readonly ServiceStatus[]): string {
  if (env.status !== 'success') return env.status;
  if (statuses.includes('unknown')) return 'unknown';
  if (
    statuses.some(
      (status) => status === 'unstable' || status === 'unstart' || status === 'failed' || status === 'pending',
    )
  )
    return 'unstable';
  return 'running';
}

export function age(createdAt: string | null, now: Date): string {
  if (!createdAt) return '';
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(createdAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const unix = (iso: string | null): number => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** A pod as Zadig's service detail shows it. */
export function podView(pod: PodSummary, now: Date) {
  return {
    kind: pod.ownerReferences[0]?.kind ?? 'Pod',
    name: pod.name,
    status: pod.phase,
    age: age(pod.createdAt, now),
    createtime: unix(pod.createdAt),
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
      started_at: unix(container.startedAt),
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
  };
}

/** The spec's `scales`: each workload of the service with its images and pods. */
export function scalesView(workloads: readonly WorkloadSummary[], pods: readonly PodSummary[], now: Date) {
  return workloads.map((workload) => ({
    name: workload.name,
    type: workload.kind,
    images: workload.containers.map((container) => ({
      name: container.name,
      image: container.image,
      image_name: imageName(container.image),
    })),
    pods: workloadPods(workload, pods).map((pod) => podView(pod, now)),
    replicas: workload.replicas,
    zadigx_release_type: '',
    zadigx_release_tag: '',
  }));
}

export function serviceEndpointsView(services: readonly ServiceSummary[], now: Date) {
  return services.map((service) => ({
    name: service.name,
    age: age(service.createdAt, now),
    labels: service.labels,
    endpoints: service.ports.map((port) => ({
      service_name: service.name,
      service_port: port.port,
      node_port: port.nodePort ?? 0,
    })),
  }));
}

export function ingressView(ingresses: readonly KubeObject[]) {
  return ingresses.map((ingress) => {
    const spec = (ingress['spec'] ?? {}) as {
      rules?: Array<{
        host?: string;
        http?: {
          paths?: Array<{ path?: string; backend?: { service?: { name?: string; port?: { number?: number } } } }>;
        };
      }>;
    };
    return {
      name: ingress.metadata.name,
      host_info: (spec.rules ?? []).map((rule) => ({
        host: rule.host ?? '',
        backends: (rule.http?.paths ?? []).map((path) => ({
          path: path.path ?? '/',
          service_name: path.backend?.service?.name ?? '',
          service_port: path.backend?.service?.port?.number ?? 0,
        })),
      })),
    };
  });
}

export function cronJobsView(cronJobs: readonly CronJobSummary[]) {
  return cronJobs.map((job) => ({
    name: job.name,
    schedule: job.schedule,
    suspend: job.suspend,
    last_schedule_time: unix(job.lastScheduleTime),
    images: job.containers.map((container) => ({
      name: container.name,
      image: container.image,
      image_name: imageName(container.image),
    })),
  }));
}
