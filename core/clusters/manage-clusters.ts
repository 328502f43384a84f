import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import type { EnvironmentItem } from '../environments/environment-item.ts';
import { ConflictError, DomainError, NotFoundError } from '../errors.ts';
import type { ProjectItem } from '../projects/project-item.ts';
import type { Page } from '../store/store.ts';
import { keys } from '../store/keys.ts';
import { adjustCount, deleteUnused } from '../store/writes.ts';
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

/**
 * Deletes a cluster no environment uses: its environments could no longer be
 * changed, nor deleted with their objects.
 */
export async function deleteCluster({
  ctx,
  connections,
  id,
}: {
  ctx: CoreContext;
  connections: Pick<ClusterConnections, 'forget'>;
  id: string;
}): Promise<void> {
  await readCluster(ctx, id);
  try {
    await ctx.store.transact(
      // `usage` moves in the same transactions that create and forget environments, so this cannot race them.
      [deleteUnused(keys.cluster(id), 'usage', `cluster "${id}" was deleted, or gained an environment, meanwhile`)],
      `cluster "${id}" could not be deleted`,
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const users = await environmentsOn(ctx, id);
    if (users.length === 0) throw error;
    throw new ConflictError(`cluster "${id}" is used by environment(s) ${users.join(', ')}; delete them first`);
  }
  connections.forget(id);
}

/** A transaction item counting one more (or one fewer) environment on a cluster that must exist. */
export const clusterUsage = (id: string, delta: 1 | -1) =>
  adjustCount(keys.cluster(id), 'usage', delta, `cluster "${id}" was deleted meanwhile`);

/**
 * The environments on a cluster, as `project/env`, to name them when its
 * deletion is refused (the count says whether, not which). They are read
 * under their projects: one Query of the projects, then one per project
 * reading four attributes of each environment. Namespace claims name the
 * cluster too, but each claim is a partition of its own, so finding a
 * cluster's claims would take a Scan of the whole table.
 */
async function environmentsOn(ctx: CoreContext, clusterId: string): Promise<string[]> {
  const projects = await ctx.store.listAll<Pick<ProjectItem, 'key'>>(keys.projects, { attributes: ['key'] });
  const environments = await Promise.all(
    projects.map((project) =>
      ctx.store.listAll<Pick<EnvironmentItem, 'project' | 'key' | 'scope' | 'clusterId'>>(
        keys.environments(project.key),
        { attributes: ['project', 'key', 'scope', 'clusterId'] },
      ),
    ),
  );
  return environments
    .flat()
    .filter((env) => env.clusterId === clusterId)
    .map((env) => `${env.project}/${env.key}${env.scope === 'production' ? ' (production)' : ''}`);
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
