import type { ChartAppItem } from '../apps/app-item.ts';
import { chartSource } from '../charts/chart-item.ts';
import { loadKubeconfig } from '../clusters/cluster-item.ts';
import type { CoreContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { RELEASE_HISTORY_MAX, RELEASE_TIMEOUT_SECONDS } from '../environments/apply-helm-service.ts';
import { isPending, requireHelm, type HelmRevision, type HelmTarget } from '../helm/helm-engine.ts';
import { OTE_NAMESPACE, type DeployItem, type DeployType } from './deploy-item.ts';

const OPTIONS = { historyMax: RELEASE_HISTORY_MAX, timeoutSeconds: RELEASE_TIMEOUT_SECONDS };

/** A chart deployment's release on one cluster: named after the deployment, in the namespace every deployment uses. */
async function releaseTarget(ctx: CoreContext, clusterId: string, deploy: Pick<DeployItem, 'deployName'>) {
  const { kubeconfig } = await loadKubeconfig(ctx, clusterId);
  return { kubeconfig, namespace: OTE_NAMESPACE, release: deploy.deployName } satisfies HelmTarget;
}

/** What a revision records of the application version it installed, so a rollback can find it in the history. */
const revisionDescription = (app: Pick<ChartAppItem, 'id' | 'appName' | 'appVersion'>) =>
  `ote-app ${app.appName} ${app.appVersion} (application ${app.id})`;

/**
 * Installs or upgrades the deployment's release to `app` on one cluster
 * (Helm waits for the workloads, rolling back on failure). A rollback
 * (deploy type 3) rolls the release back to the latest revision of its
 * history that ran that application version; only when the bounded history
 * no longer holds one is that version installed again as an upgrade. A
 * release another Helm action holds is reported, not retried.
 */
export async function releaseChart(
  ctx: CoreContext,
  clusterId: string,
  deploy: Pick<DeployItem, 'deployName'>,
  app: ChartAppItem,
  deployType: DeployType,
): Promise<void> {
  const helm = await requireHelm(ctx);
  const target = await releaseTarget(ctx, clusterId, deploy);
  const history = await helm.history({ target });
  const latest = history.at(-1);
  if (latest && isPending(latest.status))
    throw new DomainError(
      'Conflict',
      `release "${target.release}" is ${latest.status} (revision ${latest.revision}) on cluster "${clusterId}": another Helm action holds it`,
    );
  const revision = deployType === 3 ? revisionThatRan(history, revisionDescription(app)) : undefined;
  if (revision !== undefined) return helm.rollback({ target, revision, options: OPTIONS });
  await helm.upgradeInstall({
    target,
    chart: await chartSource(ctx, app.chart),
    values: {},
    options: { ...OPTIONS, description: revisionDescription(app) },
  });
}

/** Removes the deployment's release from one cluster, waiting for its objects to go; a release already gone is fine. */
export async function uninstallChart(ctx: CoreContext, clusterId: string, deploy: Pick<DeployItem, 'deployName'>) {
  const helm = await requireHelm(ctx);
  await helm.uninstall({
    target: await releaseTarget(ctx, clusterId, deploy),
    timeoutSeconds: RELEASE_TIMEOUT_SECONDS,
  });
}

/**
 * The latest revision whose content is `description`'s: Helm describes a
 * rollback's revision as "Rollback to N", so those are followed to what N ran.
 */
export function revisionThatRan(history: readonly HelmRevision[], description: string): number | undefined {
  const ran = new Map<number, string>();
  for (const entry of history) {
    const rollback = /^Rollback to (\d+)$/.exec(entry.description);
    ran.set(entry.revision, rollback ? (ran.get(Number(rollback[1])) ?? '') : entry.description);
  }
  return history.filter((entry) => ran.get(entry.revision) === description).at(-1)?.revision;
}
