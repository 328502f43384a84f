import type { ClusterConnections, KubeObject } from '../cluster/gateway.ts';
import { selectorMatcher } from '../cluster/selector.ts';
import type { ClusterItem } from '../clusters/cluster-item.ts';
import { isChartApp, type AppItem } from '../apps/app-item.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { OTE_NAMESPACE } from './deploy-item.ts';

/**
 * The registered clusters a deployment's `cluster` names: every one when it
 * is empty; a cluster id or a label key when it is one bare word (the
 * document's example says `cluster1`); otherwise a label selector over the
 * clusters' labels (`region=cn-north,tier!=edge`).
 */
export async function matchingClusters(ctx: CoreContext, selector: string): Promise<ClusterItem[]> {
  const clusters = await ctx.store.listAll<ClusterItem>(keys.clusters);
  if (selector === '') return clusters;
  if (/^[A-Za-z0-9._/-]+$/.test(selector))
    return clusters.filter((cluster) => cluster.id === selector || selector in cluster.labels);
  const matches = selectorMatcher(selector);
  return clusters.filter((cluster) => matches(cluster.labels));
}

/** `key=value` and `key` terms of `nodeLabel`. */
export function nodeLabelTerms(nodeLabel: string): Array<{ key: string; value?: string }> {
  return nodeLabel
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '')
    .map((term) => {
      const [key, value] = term.split('=', 2) as [string, string | undefined];
      return value === undefined ? { key } : { key, value };
    });
}

const nodeMatches = (terms: ReturnType<typeof nodeLabelTerms>, labels: Record<string, string>) =>
  terms.every((term) => (term.value === undefined ? term.key in labels : labels[term.key] === term.value));

export const DEPLOY_LABEL = 'berth.dev/ote-deploy';

type RawPod = KubeObject & {
  spec?: { nodeName?: string; containers?: Array<{ ports?: Array<{ hostPort?: number }> }> };
  metadata: KubeObject['metadata'] & { deletionTimestamp?: string };
};

/**
 * Refuses a deployment whose application asks for a hostPort that a pod of
 * another ote-stack deployment already holds on one of the target nodes
 * (409 naming the port, the node and the deployment). Only Berth's own
 * namespace is looked at: pods elsewhere are not Berth's to know.
 */
export async function requireFreeHostPorts({
  ctx,
  connections,
  deploy,
  app,
  clusters,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  deploy: { deployName: string; nodeLabel: string; cluster: string };
  app: AppItem;
  /** The clusters `deploy.cluster` matches, when the caller has them; read only if a host port needs them. */
  clusters?: ClusterItem[];
}): Promise<void> {
  // A chart's host ports are the chart's own: Helm and the scheduler answer for them.
  if (isChartApp(app)) return;
  const wanted = new Set(app.port.flatMap((port) => (port.hostPort ? [port.hostPort] : [])));
  if (wanted.size === 0) return;
  const terms = nodeLabelTerms(deploy.nodeLabel);
  for (const clusterItem of clusters ?? (await matchingClusters(ctx, deploy.cluster))) {
    const cluster = await connections.get(clusterItem.id);
    const nodes = await cluster.listObjects({ apiVersion: 'v1', kind: 'Node', namespace: '' });
    const targetNodes = new Set(
      nodes.filter((node) => nodeMatches(terms, node.metadata.labels ?? {})).map((node) => node.metadata.name),
    );
    const pods = (await cluster.listObjects({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: OTE_NAMESPACE,
      labelSelector: `${DEPLOY_LABEL},${DEPLOY_LABEL}!=${deploy.deployName}`,
    })) as RawPod[];
    for (const pod of pods) {
      const node = pod.spec?.nodeName;
      if (!node || !targetNodes.has(node) || pod.metadata.deletionTimestamp) continue;
      for (const container of pod.spec?.containers ?? [])
        for (const port of container.ports ?? [])
          if (port.hostPort && wanted.has(port.hostPort))
            throw new ConflictError(
              `hostPort ${port.hostPort} is already used on node "${node}" of cluster "${clusterItem.id}" (deployment "${pod.metadata.labels?.[DEPLOY_LABEL]}")`,
            );
    }
  }
}
