import type { ClusterConnections, PodSummary, ServiceSummary } from '../cluster/gateway.ts';

export type DeploymentTarget = { deployment: string } | { labelSelector: string };

export type DeploymentEndpoints = {
  pods: Array<{ name: string; ip: string | null }>;
  service: { name: string; clusterIP: string | null; port: number | null } | null;
};

/**
 * The started pods of a Deployment and the Service in front of them. Pods are found by
 * the Deployment's own selector; the Service is the one whose selector matches
 * the Deployment's pod template labels. Callers may instead give a label
 * selector directly (the K8s-service document's own example does).
 */
export async function describeDeploymentEndpoints({
  connections,
  clusterId,
  namespace,
  target,
}: {
  connections: ClusterConnections;
  clusterId: string;
  namespace: string;
  target: DeploymentTarget;
}): Promise<DeploymentEndpoints> {
  const cluster = await connections.get(clusterId);
  let labelSelector: string;
  let podLabels: Record<string, string> | undefined;
  if ('deployment' in target) {
    const deployment = await cluster.getWorkload('Deployment', namespace, target.deployment);
    labelSelector = deployment.labelSelector;
    podLabels = deployment.podLabels;
  } else {
    labelSelector = target.labelSelector;
  }
  const [pods, services] = await Promise.all([
    cluster.listPods(namespace, labelSelector),
    cluster.listServices(namespace),
  ]);
  // "Started" pods: running, with an address, and not on their way out after a scale-down.
  const started = pods.filter((pod) => pod.phase === 'Running' && pod.podIP !== null && !pod.terminating);
  const fronting = services.filter((candidate) => selects(candidate, podLabels, pods));
  // A headless Service (clusterIP None) has no address to give; prefer one that has.
  const service =
    fronting.find((candidate) => candidate.clusterIP !== null && candidate.clusterIP !== 'None') ?? fronting[0];
  return {
    pods: started.map((pod) => ({ name: pod.name, ip: pod.podIP })),
    service: service
      ? { name: service.name, clusterIP: service.clusterIP, port: service.ports[0]?.port ?? null }
      : null,
  };
}

/** A Service fronts the workload when its (non-empty) selector matches the pod labels. */
function selects(service: ServiceSummary, podLabels: Record<string, string> | undefined, pods: PodSummary[]): boolean {
  const selector = Object.entries(service.selector);
  if (selector.length === 0) return false;
  const matches = (labels: Record<string, string>) => selector.every(([key, value]) => labels[key] === value);
  return podLabels ? matches(podLabels) : pods.length > 0 && pods.every((pod) => matches(pod.labels));
}
