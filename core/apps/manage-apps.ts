import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import type { CoreContext } from '../context.ts';
import { storeCheckedChart } from '../charts/manage-charts.ts';
import { ConflictError, DomainError, InvalidInputError } from '../errors.ts';
import { checkChartArchive } from '../helm/chart-archive.ts';
import type { DeployItem } from '../deploys/deploy-item.ts';
import { nameMatches, orderAndPage, type NameMode, type PageRequest, type Paged } from '../paging.ts';
import { getThirdPartyRepository, thirdPartyRepositoryUsage } from '../repository/third-party.ts';
import { keys } from '../store/keys.ts';
import { adjustCount, createIfAbsent, deleteItem, deleteUnused, type Write } from '../store/writes.ts';
import { canUseProject, readApp, type AppItem } from './app-item.ts';
import type { CreateAppInput } from './schemas.ts';

/** The project an application without `projectName` goes to: the caller's only project, else `default`. */
const DEFAULT_PROJECT = 'default';

const projectFor = (principal: Principal, given: string | undefined): string =>
  given ?? (principal.projects?.length === 1 ? principal.projects[0]! : DEFAULT_PROJECT);

export async function createApp({
  ctx,
  principal,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  input: CreateAppInput;
}): Promise<AppItem> {
  checkRanges(input);
  const { projectName: given, version: appVersion, ...spec } = input;
  const projectName = projectFor(principal, given);
  requireProjectAccess(principal, projectName);
  // Read first for a 404; the count below keeps it from going meanwhile.
  if (input.repositoryId) await getThirdPartyRepository({ ctx, repositoryId: input.repositoryId });
  const now = ctx.now().toISOString();
  const item: AppItem = {
    ...spec,
    entity: 'ote-app',
    id: await ctx.store.nextId(keys.counter('ote-app')),
    projectName,
    appVersion,
    deployments: 0,
    createdBy: principal.name,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const writes: Write[] = [
    // Name and version identify an application version for ever: a change is a new version, never an edit.
    createIfAbsent(
      { ...keys.oteAppName(item.appName, appVersion), appId: item.id },
      `application "${item.appName}" version ${appVersion} already exists; a change is a new version`,
    ),
    createIfAbsent({ ...keys.oteApp(item.id), ...item }),
  ];
  if (item.repositoryId) writes.push(thirdPartyRepositoryUsage(item.repositoryId, 1));
  await ctx.store.transact(writes, `application "${item.appName}" could not be created`);
  return item;
}

/**
 * Creates a chart application version from an uploaded chart: the archive
 * is checked as chart templates are (hostile until checked, then `helm
 * lint` and `helm template` with its own values), pushed to the chart
 * registry and recorded by digest. Name and version are immutable, as for
 * image applications; nothing is recorded when a check fails.
 */
export async function createChartApp({
  ctx,
  principal,
  chartRegistryId,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  chartRegistryId: string | undefined;
  input: { appName: string; version: string; projectName?: string | undefined; chart: Uint8Array };
}): Promise<AppItem> {
  const projectName = projectFor(principal, input.projectName);
  requireProjectAccess(principal, projectName);
  if (await ctx.store.get(keys.oteAppName(input.appName, input.version)))
    throw new ConflictError(
      `application "${input.appName}" version ${input.version} already exists; a change is a new version`,
    );
  const chart = await checkChartArchive(input.chart).catch(asChartPart);
  const location = await storeCheckedChart({
    ctx,
    chartRegistryId,
    archive: input.chart,
    chartName: chart.name,
    values: {},
  }).catch(asChartPart);
  const now = ctx.now().toISOString();
  const item: AppItem = {
    entity: 'ote-app',
    id: await ctx.store.nextId(keys.counter('ote-app')),
    appName: input.appName,
    projectName,
    appVersion: input.version,
    chart: { ...location, chartName: chart.name, chartVersion: chart.version },
    deployments: 0,
    createdBy: principal.name,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.transact(
    [
      createIfAbsent(
        { ...keys.oteAppName(item.appName, item.appVersion), appId: item.id },
        `application "${item.appName}" version ${item.appVersion} already exists; a change is a new version`,
      ),
      createIfAbsent({ ...keys.oteApp(item.id), ...item }),
    ],
    `application "${item.appName}" could not be created`,
  );
  return item;
}

/** The chart checks name the chart templates' multipart part, `file`; here the part is `chart`. */
const asChartPart = (error: unknown): never => {
  if (error instanceof DomainError && error.field === 'file')
    throw new InvalidInputError(`chart${error.message.slice('file'.length)}`, 'chart');
  throw error;
};

/** A `min` above its `max` is refused naming both; an autoscaled Deployment needs room to scale. */
function checkRanges(input: CreateAppInput) {
  for (const [min, max] of [
    ['minReplicas', 'maxReplicas'],
    ['minCPU', 'maxCPU'],
    ['minMemory', 'maxMemory'],
  ] as const) {
    const [low, high] = [input[min], input[max]];
    if (low !== undefined && high !== undefined && low > high)
      throw new InvalidInputError(`${min} (${low}) must not be above ${max} (${high})`, min);
  }
  if (input.deployType === 'deployment' && input.maxUnavailable === 0 && input.maxSurge === 0)
    throw new InvalidInputError(
      'maxUnavailable and maxSurge must not both be 0 (a rolling update could not move)',
      'maxSurge',
    );
  if (input.isHPA && input.deployType === 'deployment' && !input.maxReplicas)
    throw new InvalidInputError('maxReplicas must be at least 1 when isHPA is true', 'maxReplicas');
}

export async function listApps({
  ctx,
  principal,
  filter,
  paging,
}: {
  ctx: CoreContext;
  principal: Principal;
  filter: { appName?: string | undefined; appNameMode: NameMode; version?: string | undefined };
  paging: PageRequest;
}): Promise<Paged<AppItem>> {
  const all = await ctx.store.listAll<AppItem>(keys.oteApps);
  const matches = all.filter(
    (app) =>
      canUseProject(principal, app.projectName) &&
      nameMatches(app.appName, filter.appName, filter.appNameMode) &&
      (filter.version === undefined || filter.version === '' || app.appVersion === filter.version),
  );
  return orderAndPage(matches, (app) => app.id, paging);
}

export async function getApp({ ctx, principal, id }: { ctx: CoreContext; principal: Principal; id: number }) {
  return readApp(ctx, principal, id);
}

/**
 * Deletes applications, all or none: an unknown id or one with live
 * deployments (named in the 409) deletes nothing.
 */
export async function deleteApps({
  ctx,
  principal,
  ids,
}: {
  ctx: CoreContext;
  principal: Principal;
  ids: number[];
}): Promise<void> {
  const apps: AppItem[] = [];
  for (const id of new Set(ids)) {
    const app = await readApp(ctx, principal, id);
    requireProjectAccess(principal, app.projectName);
    apps.push(app);
  }
  const inUse = apps.filter((app) => (app.deployments ?? 0) > 0);
  if (inUse.length > 0) throw await liveDeploymentsConflict(ctx, inUse);
  const writes = apps.flatMap((app): Write[] => [
    // `deployments` moves in the transactions that record deployments, so a new one cannot slip in after the read.
    deleteUnused(keys.oteApp(app.id), 'deployments', `application ${app.id} was deployed meanwhile`),
    deleteItem(keys.oteAppName(app.appName, app.appVersion)),
  ]);
  // One write per repository: a transaction may touch an item only once.
  const perRepository = new Map<string, number>();
  for (const { repositoryId } of apps)
    if (repositoryId) perRepository.set(repositoryId, (perRepository.get(repositoryId) ?? 0) - 1);
  for (const [repositoryId, delta] of perRepository) writes.push(thirdPartyRepositoryUsage(repositoryId, delta));
  await ctx.store.transact(writes, 'the applications could not be deleted');
}

/** A transaction item counting one more (or fewer) deployment on an application version that must exist. */
export const appDeployments = (appId: number, delta: 1 | -1) =>
  adjustCount(
    keys.oteApp(appId),
    'deployments',
    delta,
    `application ${appId} does not exist (or was deleted meanwhile)`,
  );

async function liveDeploymentsConflict(ctx: CoreContext, apps: AppItem[]): Promise<ConflictError> {
  const ids = new Set(apps.map((app) => app.id));
  const deploys = await ctx.store.listAll<DeployItem>(keys.oteDeploys, {
    attributes: ['deployName', 'appId', 'status'],
  });
  const names = deploys.filter((deploy) => ids.has(deploy.appId)).map((deploy) => `"${deploy.deployName}"`);
  const which = apps.map((app) => `${app.id} (${app.appName} ${app.appVersion})`).join(', ');
  return new ConflictError(
    `application ${which} has live deployments${names.length > 0 ? ` ${names.join(', ')}` : ''}; delete them first`,
  );
}
