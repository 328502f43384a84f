import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import { createClusterConnections } from '../../core/cluster/connections.ts';
import { createKubeCluster } from '../../core/cluster/kube-cluster.ts';
import { loadKubeconfig } from '../../core/clusters/cluster-item.ts';
import type { CoreContext } from '../../core/context.ts';
import { countClusterRetry } from '../http/request-log.ts';
import type { BerthConfig } from './config.ts';

/** Cluster clients over @kubernetes/client-node; imported only by functions that talk to clusters. */
export function createConnections(ctx: CoreContext, config: Pick<BerthConfig, 'clusterTimeoutMs'>): ClusterConnections {
  return createClusterConnections({
    loadKubeconfig: (clusterId) => loadKubeconfig(ctx, clusterId),
    connect: (kubeconfig) =>
      createKubeCluster(kubeconfig, { timeoutMs: config.clusterTimeoutMs, onRetry: countClusterRetry }),
  });
}
