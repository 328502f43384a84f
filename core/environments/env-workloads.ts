import type { ClusterConnections, KubeObject, PodSummary, WorkloadSummary } from '../cluster/gateway.ts';
import { selectorMatcher } from '../cluster/selector.ts';
import { DomainError } from '../errors.ts';
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

/** An Ingress's rules: each host with the paths it routes and the Service port behind each. */
export type IngressSummary = {
  name: string;
  rules: Array<{ host: string; backends: Array<{ path: string; service: string; port: number }> }>;
};

export function ingressSummary(ingress: KubeObject): IngressSummary {
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
    rules: (spec.rules ?? []).map((rule) => ({
      host: rule.host ?? '',
      backends: (rule.http?.paths ?? []).map((path) => ({
        path: path.path ?? '/',
        service: path.backend?.service?.name ?? '',
        port: path.backend?.service?.port?.number ?? 0,
      })),
    })),
  };
}
