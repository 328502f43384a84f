import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import type { Page } from '../store/store.ts';
import { keys } from '../store/keys.ts';
import { kubeconfigAad, readCluster, toClusterView, type ClusterItem } from './cluster-item.ts';
import { checkKubeconfig } from './kubeconfig.ts';
import type { ClusterView, UpdateClusterInput } from './schemas.ts';

export async function getCluster({ ctx, id }: { ctx: CoreContext; id: string }): Promise<ClusterView> {
  return toClusterView(await readCluster(ctx, id));
}

export async function listClusters({
  ctx,
  limit,
  cursor,
}: {
  ctx: CoreContext;
  limit: number;
  cursor?: string | undefined;
}): Promise<Page<ClusterView>> {
  const page = await ctx.store.list<ClusterItem>(keys.clusters, { limit, cursor });
  return { ...page, items: page.items.map(toClusterView) };
}

/** Read-modify-write under the version read: concurrent editors get a Conflict, never a lost update. */
export async function updateCluster({
  ctx,
  connections,
  id,
  input,
}: {
  ctx: CoreContext;
  connections: Pick<ClusterConnections, 'forget'>;
  id: string;
  input: UpdateClusterInput;
}): Promise<ClusterView> {
  const current = await readCluster(ctx, id);
  const changes: Partial<ClusterItem> = { updatedAt: ctx.now().toISOString() };
  if (input.name !== undefined) changes.name = input.name;
  if (input.labels !== undefined) changes.labels = input.labels;
  if (input.kubeconfig !== undefined) {
    const { server, kubeconfig } = checkKubeconfig(input.kubeconfig);
    Object.assign(changes, {
      server,
      kubeconfigSealed: ctx.secrets.seal(kubeconfig, kubeconfigAad(id)),
      // What the probe saw of the old kubeconfig says nothing about the new one.
      status: 'pending',
      kubeVersion: null,
      statusMessage: null,
      checkedAt: null,
    });
  }
  const updated = await ctx.store.update<ClusterItem>(
    keys.cluster(id),
    current.version,
    changes,
    `cluster "${id}" was changed by another request; read it again and retry`,
  );
  if (input.kubeconfig !== undefined) connections.forget(id);
  return toClusterView(updated);
}

export async function deleteCluster({
  ctx,
  connections,
  id,
}: {
  ctx: CoreContext;
  connections: Pick<ClusterConnections, 'forget'>;
  id: string;
}): Promise<void> {
  if (!(await ctx.store.remove(keys.cluster(id)))) throw new NotFoundError('cluster', id);
  connections.forget(id);
}

/** Asks the API server for its version; an unreachable cluster is an UnavailableError within the call timeout. */
export async function clusterHealth({
  ctx,
  connections,
  id,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  id: string;
}) {
  await readCluster(ctx, id);
  const started = performance.now();
  const { gitVersion, platform } = await (await connections.get(id)).version();
  return {
    id,
    status: 'ok' as const,
    kube_version: gitVersion,
    platform,
    latency_ms: Math.round(performance.now() - started),
  };
}

/**
 * Records whether a cluster answers. Run by the stream worker when a cluster
 * is registered or its kubeconfig changes; writes observed state only, so it
 * never conflicts with a user's edit.
 */
export async function probeCluster({
  ctx,
  connections,
  id,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  id: string;
}): Promise<void> {
  const checkedAt = ctx.now().toISOString();
  try {
    const { gitVersion } = await (await connections.get(id)).version();
    await ctx.store.annotate(keys.cluster(id), {
      status: 'ready',
      kubeVersion: gitVersion,
      statusMessage: null,
      checkedAt,
    });
  } catch (error) {
    if (error instanceof NotFoundError) return;
    // Only Berth's own messages are stored: a library's message may quote the kubeconfig it choked on.
    const statusMessage = error instanceof DomainError ? error.message : 'the cluster could not be reached';
    await ctx.store.annotate(keys.cluster(id), { status: 'unreachable', statusMessage, checkedAt });
  }
}
