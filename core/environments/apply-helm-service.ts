import { writeYaml } from '../yaml/write.ts';
import { chartSource } from '../charts/chart-item.ts';
import type { CoreContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { isPending, requireHelm } from '../helm/helm-engine.ts';
import { parseManifests } from '../render/manifests.ts';
import { readService } from '../services/service-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import type { EnvServiceItem, EnvServiceRevisionItem, EnvironmentItem } from './environment-item.ts';
import { releaseTarget, releaseValues } from './helm-env-services.ts';
import type { OperationItem, ServiceResult } from './operation-item.ts';

/** Revisions Helm keeps per release: enough to roll back, bounded so release Secrets do not pile up. */
export const RELEASE_HISTORY_MAX = 10;
/** How long an install or upgrade may wait for its workloads before Helm rolls it back. */
export const RELEASE_TIMEOUT_SECONDS = 300;

/**
 * The worker's step for a Helm env service: `helm upgrade --install` of the
 * service's chart (by digest) with the merged values, server-side apply,
 * rolled back on failure. A release another Helm action holds (a pending
 * state) is reported in the operation's error, not retried blindly.
 */
export async function applyHelmService(
  ctx: CoreContext,
  env: EnvironmentItem,
  envService: EnvServiceItem & { helm: NonNullable<EnvServiceItem['helm']> },
  operation: Pick<OperationItem, 'createdBy'>,
): Promise<ServiceResult> {
  try {
    const service = await readService(ctx, env.project, env.scope, envService.service);
    if (!service.helm) throw new DomainError('Invalid', `service "${service.name}" is no longer a Helm service`);
    const helm = await requireHelm(ctx);
    const target = await releaseTarget(ctx, env, envService.helm);
    const latest = (await helm.history({ target, max: 1 })).at(-1);
    if (latest && isPending(latest.status))
      throw new DomainError(
        'Conflict',
        `release "${target.release}" is ${latest.status} (revision ${latest.revision}): another Helm action holds it; resolve it (helm rollback or uninstall) before retrying`,
      );
    const values = releaseValues(service, envService.helm);
    const release = await helm.upgradeInstall({
      target,
      chart: await chartSource(ctx, service.helm),
      values,
      options: { historyMax: RELEASE_HISTORY_MAX, timeoutSeconds: RELEASE_TIMEOUT_SECONDS },
    });
    const revision = envService.revision + 1;
    const now = ctx.now().toISOString();
    const rendered = writeYaml(values);
    const detail = `release "${target.release}" revision ${release.revision} ${release.status} (chart ${service.helm.chartName} ${service.helm.chartVersion})`;
    const revisionItem: EnvServiceRevisionItem & ItemKey = {
      ...keys.envServiceRevision(env.project, env.scope, env.key, envService.service, revision),
      entity: 'env-service-revision',
      action: 'apply',
      detail,
      project: env.project,
      scope: env.scope,
      env: env.key,
      service: envService.service,
      revision,
      rendered,
      variableKvs: envService.variableKvs,
      containers: envService.containers,
      results: [],
      appliedBy: operation.createdBy,
      appliedAt: now,
    };
    await ctx.store.putAll([revisionItem]);
    // What the release runs, as Berth records what it applies: env detail, scale and restart find its workloads by it.
    const appliedObjects = parseManifests(release.manifest).map((object) => ({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
    }));
    await record(ctx, envService, {
      status: 'applied',
      error: null,
      rendered,
      appliedObjects,
      revision,
      updatedBy: operation.createdBy,
      updatedAt: now,
    });
    return { outcome: 'applied', message: detail, objects: [] };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await record(ctx, envService, { status: 'failed', error: error.message });
    return { outcome: 'failed', message: error.message, objects: [] };
  }
}

/** Removes a Helm env service's release (`helm uninstall`, waiting for its objects to go); a release already gone is fine. */
export async function uninstallHelmService(
  ctx: CoreContext,
  env: EnvironmentItem,
  envService: EnvServiceItem & { helm: NonNullable<EnvServiceItem['helm']> },
): Promise<string | undefined> {
  try {
    const helm = await requireHelm(ctx);
    await helm.uninstall({
      target: await releaseTarget(ctx, env, envService.helm),
      timeoutSeconds: RELEASE_TIMEOUT_SECONDS,
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.message;
  }
}

/** Observed outcome, written as the worker's other steps write theirs (direct actions are refused while it runs). */
async function record(ctx: CoreContext, envService: EnvServiceItem, changes: Partial<EnvServiceItem>) {
  await ctx.store.annotate(
    keys.envService(envService.project, envService.scope, envService.env, envService.service),
    changes,
  );
}

export const isHelmEnvService = (
  envService: EnvServiceItem,
): envService is EnvServiceItem & { helm: NonNullable<EnvServiceItem['helm']> } => envService.helm !== undefined;
