import type { ClusterConnections, KubeCluster } from './gateway.ts';

/**
 * Caches one client per cluster for the life of the process (a warm Lambda
 * reuses it across invocations). The cached entry remembers the
 * kubeconfig's revision, so a client built from a replaced kubeconfig is never used.
 */
export function createClusterConnections({
  loadKubeconfig,
  connect,
}: {
  loadKubeconfig: (clusterId: string) => Promise<{ kubeconfig: string; revision: string }>;
  connect: (kubeconfig: string) => KubeCluster;
}): ClusterConnections {
  const clients = new Map<string, { revision: string; cluster: KubeCluster }>();
  return {
    async get(clusterId) {
      const { kubeconfig, revision } = await loadKubeconfig(clusterId);
      const cached = clients.get(clusterId);
      if (cached && cached.revision === revision) return cached.cluster;
      const cluster = connect(kubeconfig);
      clients.set(clusterId, { revision, cluster });
      if (cached) void cached.cluster.close();
      return cluster;
    },
    forget(clusterId) {
      const cached = clients.get(clusterId);
      clients.delete(clusterId);
      if (cached) void cached.cluster.close();
    },
  };
}
