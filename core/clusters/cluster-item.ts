import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { ClusterStatus, ClusterView } from './schemas.ts';

/** The stored cluster. `kubeconfigSealed` is AES-256-GCM ciphertext bound to the cluster id. */
export type ClusterItem = {
  id: string;
  name: string;
  labels: Record<string, string>;
  server: string;
  kubeconfigSealed: string;
  status: ClusterStatus;
  kubeVersion?: string | null;
  statusMessage?: string | null;
  checkedAt?: string | null;
  /** How many environments use the cluster. */
  usage?: number;
  createdAt: string;
  updatedAt: string;
  version: number;
};

export const kubeconfigAad = (clusterId: string): string => `cluster:${clusterId}:kubeconfig`;

export function toClusterView(item: ClusterItem): ClusterView {
  return {
    id: item.id,
    name: item.name,
    labels: item.labels,
    server: item.server,
    status: item.status,
    kube_version: item.kubeVersion ?? null,
    status_message: item.statusMessage ?? null,
    checked_at: item.checkedAt ?? null,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    version: item.version,
  };
}

export async function readCluster(ctx: CoreContext, id: string): Promise<ClusterItem> {
  const item = await ctx.store.get<ClusterItem>(keys.cluster(id));
  if (!item) throw new NotFoundError('cluster', id);
  return item;
}

/**
 * The decrypted kubeconfig, for the cluster gateway only; never for a
 * response. `revision` changes exactly when the kubeconfig is replaced.
 */
export async function loadKubeconfig(ctx: CoreContext, id: string): Promise<{ kubeconfig: string; revision: string }> {
  const item = await readCluster(ctx, id);
  return { kubeconfig: ctx.secrets.open(item.kubeconfigSealed, kubeconfigAad(id)), revision: item.kubeconfigSealed };
}
