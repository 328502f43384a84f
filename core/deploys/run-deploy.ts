import { isChartApp, type AppItem, type ImageAppItem } from '../apps/app-item.ts';
import type { ClusterConnections, KubeCluster, KubeObject } from '../cluster/gateway.ts';
import type { ClusterItem } from '../clusters/cluster-item.ts';
import type { CoreContext } from '../context.ts';
import { DomainError, UnavailableError } from '../errors.ts';
import { appDeployments } from '../apps/manage-apps.ts';
import { thirdPartyPullSecret } from '../repository/third-party.ts';
import { keys } from '../store/keys.ts';
import { deleteItem } from '../store/writes.ts';
import { OTE_NAMESPACE, type DeployItem, type DeployStatus } from './deploy-item.ts';
import { updateDeploy } from './record-change.ts';
import { releaseChart, uninstallChart } from './release-chart.ts';
import { RENDERED_KINDS, pullSecretName, renderDeploy } from './render-deploy.ts';
import { DEPLOY_LABEL, matchingClusters, requireFreeHostPorts } from './targets.ts';

export type DeployRunOptions = {
  /** How long the worker watches pods settle before it reports what it sees. */
  settleTimeoutMs?: number;
  pollIntervalMs?: number;
};

type Deps = { ctx: CoreContext; connections: ClusterConnections } & DeployRunOptions;

export type PodCounts = { running: number; error: number; total: number };

/**
 * Carries out a deployment's approved change (`work`): the stream worker
 * calls this when a deployment becomes approved, and again if the delivery
 * is retried. Every step converges when run twice (server-side apply,
 * deleting what is already gone). Status moves 3 processing → 4 deploying →
 * 5/6/7 from the pods across clusters (9 once a deletion's objects are
 * gone); every status write is conditional on the change still being the
 * deployment's latest, so a stale run never overwrites a newer one.
 */
export async function runDeploy({
  ctx,
  connections,
  id,
  settleTimeoutMs = 120_000,
  pollIntervalMs = 1000,
}: Deps & { id: number }) {
  const deploy = await ctx.store.get<DeployItem>(keys.oteDeploy(id));
  const work = deploy?.work;
  if (!deploy || !work || ![1, 3, 4].includes(deploy.status)) return;
  // `changes` counts the deployment's changes: while it is this run's, no newer change was recorded.
  const markStatus = (status: DeployStatus, extra: Record<string, unknown> = {}) =>
    ctx.store.annotate(
      keys.oteDeploy(id),
      { status, ...extra, updatedAt: ctx.now().toISOString() },
      { changes: deploy.changes },
    );

  try {
    const clusters = await targetClusters(ctx, deploy);
    await markStatus(3, { clusterIds: clusters.map((cluster) => cluster.id) });
    if (work.deployType === 4)
      return await removeDeploy({ ctx, connections, deploy, clusters, settleTimeoutMs, pollIntervalMs });
    const app = await ctx.store.get<AppItem>(keys.oteApp(work.appId));
    if (!app) return await markStatus(7, { errorMessage: failure(`application ${work.appId} no longer exists`) });
    await requireFreeHostPorts({ ctx, connections, deploy, app, clusters });
    if (isChartApp(app)) {
      for (const clusterItem of clusters) {
        await (await connections.get(clusterItem.id)).ensureNamespace(OTE_NAMESPACE, MANAGED);
        await releaseChart(ctx, clusterItem.id, deploy, app, work.deployType);
      }
    } else {
      const objects = renderDeploy(deploy, app);
      for (const clusterItem of clusters) await applyOn(ctx, await connections.get(clusterItem.id), objects, app);
    }
    const selector = podSelector(deploy, isChartApp(app));
    // Status 4 comes with the first pod counts: `settle` reports them at once.
    const settled = await settle(
      { connections, deploy, app, selector, clusters, settleTimeoutMs, pollIntervalMs },
      (counts) => markStatus(4, { errorMessage: JSON.stringify(counts) }),
    );
    await markStatus(outcomeOf(settled), { errorMessage: JSON.stringify(settled) });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await markStatus(error instanceof UnavailableError ? 8 : 7, { errorMessage: failure(error.message) });
  }
}

const failure = (reason: string) => JSON.stringify({ running: 0, error: 0, total: 0, reason });

/** Clusters labels match now, and those it was applied to before (a relabelled cluster keeps nothing orphaned). */
async function targetClusters(ctx: CoreContext, deploy: DeployItem): Promise<ClusterItem[]> {
  const matching = await matchingClusters(ctx, deploy.cluster);
  if (deploy.work?.deployType !== 4) return matching;
  const known = new Set(matching.map((cluster) => cluster.id));
  const earlier = await Promise.all(
    deploy.clusterIds.filter((id) => !known.has(id)).map((id) => ctx.store.get<ClusterItem>(keys.cluster(id))),
  );
  return [...matching, ...earlier.filter((cluster): cluster is ClusterItem => cluster !== undefined)];
}

const MANAGED = { 'app.kubernetes.io/managed-by': 'berth' };

async function applyOn(ctx: CoreContext, cluster: KubeCluster, objects: KubeObject[], app: ImageAppItem) {
  await cluster.ensureNamespace(OTE_NAMESPACE, MANAGED);
  const secret = app.repositoryId
    ? await thirdPartyPullSecret(ctx, app.repositoryId, pullSecretName(app.repositoryId))
    : undefined;
  const results = await cluster.apply(secret ? [secret, ...objects] : objects, { namespace: OTE_NAMESPACE });
  const rendered = new Set(objects.map((object) => object.kind));
  const name = objects[0]!.metadata.name;
  // What this version no longer renders (an autoscaler, a Service, the other workload kind) goes.
  const stale = RENDERED_KINDS.filter((kind) => !rendered.has(kind.kind)).map((kind) => ({
    ...kind,
    metadata: { name },
  }));
  const failed = [...results, ...(await cluster.deleteObjects(stale, { namespace: OTE_NAMESPACE }))].find(
    (result) => result.outcome === 'failed',
  );
  if (failed) throw new DomainError('Invalid', `${failed.kind} "${failed.name}" was rejected: ${failed.message}`);
}

type SettleArgs = {
  connections: ClusterConnections;
  deploy: DeployItem;
  app: AppItem | undefined;
  /** The deployment's pods: by the label Berth gives them, or Helm's instance label for a chart's release. */
  selector: string;
  clusters: ClusterItem[];
  settleTimeoutMs: number;
  pollIntervalMs: number;
};

/** Charts label their pods as `helm create` does (`app.kubernetes.io/instance: <release>`); Berth renders its own label. */
const podSelector = (deploy: Pick<DeployItem, 'deployName'>, chart: boolean) =>
  chart ? `app.kubernetes.io/instance=${deploy.deployName}` : `${DEPLOY_LABEL}=${deploy.deployName}`;

/** Watches the pods until they settle (all running, every pod either running or failing, or all gone) or time runs out. */
async function settle(args: SettleArgs, report: (counts: PodCounts) => Promise<unknown>): Promise<PodCounts> {
  const deadline = Date.now() + args.settleTimeoutMs;
  let last = '';
  for (;;) {
    const { counts, desired, current } = await observe(args);
    const text = JSON.stringify(counts);
    if (text !== last) await report(counts);
    last = text;
    // A deletion is done when no pod is left; a rollout when every pod runs this version and none is undecided.
    const done = args.app
      ? current && counts.running + counts.error >= desired && counts.total >= desired
      : counts.total === 0;
    if (done || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, args.pollIntervalMs));
  }
}

const outcomeOf = (counts: PodCounts): DeployStatus =>
  counts.running > 0 && counts.error === 0 && counts.running >= counts.total ? 5 : counts.running > 0 ? 6 : 7;

type RawPod = KubeObject & {
  metadata: KubeObject['metadata'] & { deletionTimestamp?: string };
  spec?: { containers?: Array<{ image?: string }> };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }>;
  };
};

/** Reasons a container waits that will not fix themselves. */
const FAILING = new Set([
  'CrashLoopBackOff',
  'ErrImagePull',
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'InvalidImageName',
]);

/**
 * The deployment's pods across its clusters: running (Ready), error
 * (failed, unschedulable, or a container failing to start) and total (not
 * terminating). `current` is false while pods of an earlier version remain.
 */
export async function observe({ connections, deploy, app, selector, clusters }: SettleArgs) {
  const counts: PodCounts = { running: 0, error: 0, total: 0 };
  let desired = 0;
  let current = true;
  for (const clusterItem of clusters) {
    const cluster = await connections.get(clusterItem.id);
    const pods = (await cluster.listObjects({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: OTE_NAMESPACE,
      labelSelector: selector,
    })) as RawPod[];
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      counts.total++;
      if (app && !isChartApp(app) && pod.spec?.containers?.[0]?.image !== app.image) current = false;
      const condition = (type: string) => pod.status?.conditions?.find((entry) => entry.type === type);
      const failing =
        pod.status?.phase === 'Failed' ||
        condition('PodScheduled')?.reason === 'Unschedulable' ||
        (pod.status?.containerStatuses ?? []).some((status) => FAILING.has(status.state?.waiting?.reason ?? ''));
      if (failing) counts.error++;
      else if (pod.status?.phase === 'Running' && condition('Ready')?.status === 'True') counts.running++;
    }
    // Helm waited for a chart's workloads to be ready before the worker got here.
    if (app && !isChartApp(app)) {
      const kind = app.deployType === 'deployment' ? 'Deployment' : 'DaemonSet';
      desired +=
        (await cluster.getWorkload(kind, OTE_NAMESPACE, deploy.deployName).catch(() => undefined))?.replicas ?? 0;
    }
  }
  return { counts, desired, current };
}

/** Deletes the objects on every cluster, waits for the pods to go, then records status 9 and frees the name. */
async function removeDeploy({
  ctx,
  connections,
  deploy,
  clusters,
  settleTimeoutMs,
  pollIntervalMs,
}: Deps & { deploy: DeployItem; clusters: ClusterItem[]; settleTimeoutMs: number; pollIntervalMs: number }) {
  const chart = (await ctx.store.get<AppItem>(keys.oteApp(deploy.appId)))?.chart !== undefined;
  const objects = RENDERED_KINDS.map((kind) => ({ ...kind, metadata: { name: deploy.deployName } }));
  if (chart) for (const clusterItem of clusters) await uninstallChart(ctx, clusterItem.id, deploy);
  else
    for (const clusterItem of clusters) {
      const cluster = await connections.get(clusterItem.id);
      const failed = (await cluster.deleteObjects(objects, { namespace: OTE_NAMESPACE })).find(
        (result) => result.outcome === 'failed',
      );
      if (failed) throw new UnavailableError(`${failed.kind} "${failed.name}" could not be deleted: ${failed.message}`);
    }
  // Status 4 comes with the first pod counts: `settle` reports them at once.
  const counts = await settle(
    {
      connections,
      deploy,
      app: undefined,
      selector: podSelector(deploy, chart),
      clusters,
      settleTimeoutMs,
      pollIntervalMs,
    },
    (observed) =>
      ctx.store.annotate(
        keys.oteDeploy(deploy.id),
        { status: 4, errorMessage: JSON.stringify(observed) },
        { changes: deploy.changes },
      ),
  );
  if (counts.total > 0)
    throw new UnavailableError(`${counts.total} pod(s) were still there after ${settleTimeoutMs} ms`);
  // The version this run read: status annotations leave it, and any change recorded since must win over status 9.
  await ctx.store.transact(
    [
      updateDeploy(deploy, { status: 9, errorMessage: JSON.stringify(counts), updatedAt: ctx.now().toISOString() }),
      deleteItem(keys.oteDeployName(deploy.deployName)),
      appDeployments(deploy.appId, -1),
    ],
    `deployment "${deploy.deployName}" changed while it was deleted`,
  );
}
