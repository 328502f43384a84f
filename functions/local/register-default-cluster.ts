import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import { loadKubeconfig } from '../../core/clusters/cluster-item.ts';
import { checkKubeconfig } from '../../core/clusters/kubeconfig.ts';
import { updateCluster } from '../../core/clusters/manage-clusters.ts';
import { registerCluster } from '../../core/clusters/register-cluster.ts';
import type { CoreContext } from '../../core/context.ts';
import { NotFoundError } from '../../core/errors.ts';

export const DEFAULT_CLUSTER_ID = 'default';

/** Registers (or refreshes) the cluster `default` from a kubeconfig, at start of the local server. */
export async function registerDefaultCluster({
  ctx,
  connections,
  kubeconfig,
  name,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  kubeconfig: string;
  name: string;
}): Promise<'registered' | 'updated' | 'unchanged'> {
  try {
    const current = await loadKubeconfig(ctx, DEFAULT_CLUSTER_ID);
    if (current.kubeconfig === checkKubeconfig(kubeconfig).kubeconfig) return 'unchanged';
    await updateCluster({ ctx, connections, id: DEFAULT_CLUSTER_ID, input: { kubeconfig } });
    return 'updated';
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  await registerCluster({ ctx, input: { id: DEFAULT_CLUSTER_ID, name, labels: {}, kubeconfig } });
  return 'registered';
}
