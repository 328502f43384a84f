import * as v from 'valibot';
import type { ClusterConnections, KubeCluster } from '../cluster/gateway.ts';
import type { ClusterItem } from '../clusters/cluster-item.ts';
import type { CoreContext } from '../context.ts';
import { type DomainError, InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts';
import { keys } from '../store/keys.ts';

/** The node label that names a node's region. */
export const REGION_LABEL = 'region';

/** A region is a label value; anything else names no region, and no cluster needs to be asked about it. */
export const RegionName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a Kubernetes label value'),
);

export type ClusterAnswer<T> = { clusterId: string; answer: T } | { clusterId: string; failure: DomainError };

/**
 * Asks every registered cluster the same question, all at once. A cluster
 * that does not answer (or was deleted meanwhile) is reported, not thrown:
 * each caller decides what a partial answer means.
 */
export async function askEveryCluster<T>(
  ctx: CoreContext,
  connections: ClusterConnections,
  ask: (cluster: KubeCluster) => Promise<T>,
): Promise<Array<ClusterAnswer<T>>> {
  const clusters = await ctx.store.listAll<Pick<ClusterItem, 'id'>>(keys.clusters, { attributes: ['id'] });
  return Promise.all(
    clusters.map(async ({ id }): Promise<ClusterAnswer<T>> => {
      try {
        return { clusterId: id, answer: await ask(await connections.get(id)) };
      } catch (error) {
        if (error instanceof UnavailableError || error instanceof NotFoundError)
          return { clusterId: id, failure: error };
        throw error;
      }
    }),
  );
}

/**
 * The regions Berth can place pods in: the `region` label of the nodes of
 * every registered cluster, deduplicated and sorted. Clusters that do not
 * answer are left out; when none answers, that is an UnavailableError.
 */
export async function listRegions({
  ctx,
  connections,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
}): Promise<string[]> {
  const answers = await askEveryCluster(ctx, connections, (cluster) => cluster.listNodes(REGION_LABEL));
  const nodeLists = answers.flatMap((entry) => ('answer' in entry ? [entry.answer] : []));
  if (answers.length > 0 && nodeLists.length === 0) throw noClusterAnswered(answers);
  const regions = new Set(nodeLists.flat().map((node) => node.labels[REGION_LABEL]!));
  return [...regions].sort();
}

/**
 * The cluster that hosts a region: the first (by id) whose nodes carry it.
 * A region no answering cluster has is an InvalidInputError naming `field`.
 */
export async function clusterOfRegion({
  ctx,
  connections,
  region,
  field,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  region: string;
  field: string;
}): Promise<string> {
  const unknown = new InvalidInputError(`${field}: no registered cluster has nodes in region "${region}"`, field);
  if (!v.is(RegionName, region)) throw unknown;
  const answers = await askEveryCluster(ctx, connections, async (cluster) =>
    (await cluster.listNodes(`${REGION_LABEL}=${region}`)).length > 0 ? true : undefined,
  );
  const hosting = answers.filter((entry) => 'answer' in entry && entry.answer).map((entry) => entry.clusterId);
  if (hosting.length > 0) return hosting.sort()[0]!;
  if (answers.some((entry) => 'failure' in entry)) throw noClusterAnswered(answers);
  throw unknown;
}

function noClusterAnswered(answers: Array<ClusterAnswer<unknown>>): UnavailableError {
  const failures = answers.flatMap((entry) =>
    'failure' in entry ? [`${entry.clusterId}: ${entry.failure.message}`] : [],
  );
  return new UnavailableError(`clusters did not answer (${failures.join('; ')})`);
}
