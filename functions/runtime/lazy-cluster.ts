import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import type { BerthConfig } from './config.ts';

/**
 * Cluster connections that load @kubernetes/client-node on first use, for
 * functions where most routes never touch a cluster (admin: tokens and
 * cluster records). Their cold start skips the client's ~100 ms of module
 * evaluation; the first health check pays it instead.
 */
export function createLazyConnections(
  ctx: CoreContext,
  config: Pick<BerthConfig, 'clusterTimeoutMs'>,
): ClusterConnections {
  let loaded: Promise<ClusterConnections> | undefined;
  const load = () =>
    (loaded ??= import('./cluster.ts').then(({ createConnections }) => createConnections(ctx, config)));
  return {
    async get(clusterId) {
      return (await load()).get(clusterId);
    },
    forget(clusterId) {
      // Before the client is loaded nothing is cached, so there is nothing to forget.
      if (loaded) void loaded.then((connections) => connections.forget(clusterId));
    },
  };
}
