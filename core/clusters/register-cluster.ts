import type { CoreContext } from '../context.ts';
import { keys } from '../store/keys.ts';
import { kubeconfigAad, toClusterView, type ClusterItem } from './cluster-item.ts';
import { checkKubeconfig } from './kubeconfig.ts';
import type { ClusterView, RegisterClusterInput } from './schemas.ts';

/**
 * Records a cluster with its kubeconfig sealed. Reachability is checked
 * afterwards by the cluster probe worker (status `pending` until then), so a
 * cluster that is briefly down can still be registered.
 */
export async function registerCluster({
  ctx,
  input,
}: {
  ctx: CoreContext;
  input: RegisterClusterInput;
}): Promise<ClusterView> {
  const { server, kubeconfig } = checkKubeconfig(input.kubeconfig);
  const now = ctx.now().toISOString();
  const item: ClusterItem = {
    id: input.id,
    name: input.name,
    labels: input.labels,
    server,
    kubeconfigSealed: ctx.secrets.seal(kubeconfig, kubeconfigAad(input.id)),
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.create(
    keys.cluster(input.id),
    { ...item, entity: 'cluster' },
    `cluster "${input.id}" already exists`,
  );
  return toClusterView(item);
}
