import type { ClusterConnections, ScalableKind } from '../cluster/gateway.ts';
import { InvalidInputError } from '../errors.ts';

/**
 * Scales a Deployment or StatefulSet through its scale subresource. The one
 * scaling rule every dialect uses (Zadig scale, K8s-service updatePodReplicas,
 * ote-stack deploys).
 */
export async function scaleWorkload({
  connections,
  clusterId,
  namespace,
  kind,
  name,
  replicas,
}: {
  connections: ClusterConnections;
  clusterId: string;
  namespace: string;
  kind: ScalableKind;
  name: string;
  replicas: number;
}): Promise<{ kind: ScalableKind; name: string; namespace: string; replicas: number }> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new InvalidInputError('replicas must be a non-negative integer', 'replicas');
  const cluster = await connections.get(clusterId);
  await cluster.scale(kind, namespace, name, replicas);
  return { kind, name, namespace, replicas };
}
