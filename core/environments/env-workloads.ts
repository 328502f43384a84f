import type { ClusterConnections, KubeObject, PodSummary, WorkloadSummary } from '../cluster/gateway.ts';
import { requiredLabel, selectorMatcher } from '../cluster/selector.ts';
import { DomainError } from '../errors.ts';
import type { EnvServiceSummary, EnvironmentItem } from './environment-item.ts';

export type ServiceStatus = 'running' | 'unstable' | 'unstart' | 'succeeded' | 'failed' | 'pending' | 'unknown';

/**
 * What a namespace runs, read with one list per kind whatever the number of
 * services, and indexed once so that joining it to N services stays linear:
 * workloads by kind and name, pods by each of their labels.
 */
export type NamespaceState = {
  /** The workloads an env service applied. */
  workloadsOf(envService: Pick<EnvServiceSummary, 'appliedObjects'>): WorkloadSummary[];
  /** A workload's live pods, found by its own selector. */
  podsOf(workload: WorkloadSummary): PodSummary[];
};

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
    return indexNamespace(workloads, pods);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'Unavailable') return undefined;
    throw error;
  }
}

export function indexNamespace(workloads: readonly WorkloadSummary[], pods: readonly PodSummary[]): NamespaceState {
  const workloadByObject = new Map(workloads.map((workload) => [`${workload.kind}/${workload.name}`, workload]));
  const live = pods.filter((pod) => !pod.terminating);
  const podsByLabel = new Map<string, PodSummary[]>();
  for (const pod of live)
    for (const [key, value] of Object.entries(pod.labels)) {
      const label = `${key}=${value}`;
      const withLabel = podsByLabel.get(label);
      if (withLabel) withLabel.push(pod);
      else podsByLabel.set(label, [pod]);
    }
  return {
    workloadsOf: (envService) =>
      envService.appliedObjects.flatMap((object) => workloadByObject.get(`${object.kind}/${object.name}`) ?? []),
    podsOf: (workload) => {
      // Only pods carrying one label the selector requires can match; a selector requiring none checks them all.
      const required = requiredLabel(workload.labelSelector);
      const candidates = required === undefined ? live : (podsByLabel.get(required) ?? []);
      const matches = selectorMatcher(workload.labelSelector);
      return candidates.filter((pod) => matches(pod.labels));
    },
  };
}

/** A service's status from its pods: all ready is running, some is unstable, none is unstart. */
export function serviceStatus(
  envService: Pick<EnvServiceSummary, 'status' | 'appliedObjects'>,
  state: NamespaceState | undefined,
): ServiceStatus {
  if (envService.status === 'pending') return 'pending';
  if (envService.status === 'failed') return 'failed';
  if (!state) return 'unknown';
  const workloads = state.workloadsOf(envService);
  if (workloads.length === 0) return 'running';
  const pods = workloads.flatMap((workload) => state.podsOf(workload));
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
