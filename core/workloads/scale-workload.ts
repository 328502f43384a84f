import type { ClusterConnections, ScalableKind } from '../cluster/gateway.ts';
import * as v from 'valibot';
import { InvalidInputError } from '../errors.ts';
import { MAX_REPLICAS, ReplicaCount } from './schemas.ts';

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
  if (!v.is(ReplicaCount, replicas))
    throw new InvalidInputError(`replicas must be an integer from 0 to ${MAX_REPLICAS}`, 'replicas');
  const cluster = await connections.get(clusterId);
  await cluster.scale(kind, namespace, name, replicas);
  return { kind, name, namespace, replicas };
}
