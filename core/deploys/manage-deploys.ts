import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import { canUseProject, isChartApp, readAppVersion, type AppItem } from '../apps/app-item.ts';
import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { InvalidInputError } from '../errors.ts';
import { nameMatches, orderAndPage, type NameMode, type PageRequest, type Paged } from '../paging.ts';
import { keys } from '../store/keys.ts';
import {
  isEditable,
  readDeploy,
  readDeployByName,
  readHistory,
  type DeployHistoryItem,
  type DeployItem,
  type DeployStatus,
} from './deploy-item.ts';
import { recordChange, requireEditable } from './record-change.ts';
import type { ChangeVersionInput, CreateDeployInput } from './schemas.ts';
import { matchingClusters, requireFreeHostPorts } from './targets.ts';

type Deps = { ctx: CoreContext; connections: ClusterConnections; principal: Principal };

export async function createDeploy({ ctx, connections, principal, input }: Deps & { input: CreateDeployInput }) {
  const app = await readAppVersion(ctx, principal, input.appName, input.version);
  requireProjectAccess(principal, app.projectName);
  const clusters = await matchingClusters(ctx, input.cluster);
  if (clusters.length === 0)
    throw new InvalidInputError(`no registered cluster matches cluster "${input.cluster}"`, 'cluster');
  await requireFreeHostPorts({ ctx, connections, deploy: input, app, clusters });
  const now = ctx.now().toISOString();
  const deploy: DeployItem = {
    entity: 'ote-deploy',
    id: await ctx.store.nextId(keys.counter('ote-deploy')),
    deployName: input.deployName,
    projectName: app.projectName,
    appName: app.appName,
    appId: app.id,
    appVersion: app.appVersion,
    cluster: input.cluster,
    nodeLabel: input.nodeLabel,
    comment: input.comment,
    deployType: 1,
    status: 0,
    errorMessage: null,
    auditComment: null,
    pending: null,
    work: null,
    changes: 0,
    clusterIds: [],
    createdBy: principal.name,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return recordChange({ ctx, principal, deploy, deployType: 1, app, comment: input.comment, isNew: true });
}

/** Upgrade (to any existing version of the application) or rollback (to a version this deployment ran). */
export async function changeVersion({
  ctx,
  connections,
  principal,
  id,
  input,
  deployType,
}: Deps & { id: number; input: ChangeVersionInput; deployType: 2 | 3 }) {
  const deploy = await readDeploy(ctx, principal, id);
  requireProjectAccess(principal, deploy.projectName);
  requireEditable(deploy);
  if (deployType === 3) {
    const deployed = (await readHistory(ctx, id)).filter(
      (entry) => entry.deployType !== 4 && entry.audit !== 'disapproved' && entry.audit !== 'pending',
    );
    if (!deployed.some((entry) => entry.appVersion === input.version))
      throw new InvalidInputError(
        `deployment "${deploy.deployName}" never deployed version ${input.version} (deployed: ${[...new Set(deployed.map((entry) => entry.appVersion))].join(', ')})`,
        'version',
      );
  }
  const app = await readAppVersion(ctx, principal, deploy.appName, input.version);
  const running = await ctx.store.get<AppItem>(keys.oteApp(deploy.appId));
  // A chart's release and the objects Berth renders would fight over the same names: a deployment keeps its kind.
  if (running && isChartApp(running) !== isChartApp(app))
    throw new InvalidInputError(
      `version ${input.version} of "${deploy.appName}" is ${isChartApp(app) ? 'a chart' : 'an image'} application and deployment "${deploy.deployName}" runs ${isChartApp(running) ? 'a chart' : 'an image'} one; deploy it under another name`,
      'version',
    );
  await requireFreeHostPorts({ ctx, connections, deploy, app });
  return recordChange({ ctx, principal, deploy, deployType, app, comment: input.comment });
}

export async function deleteDeploy({
  ctx,
  principal,
  target,
}: Omit<Deps, 'connections'> & { target: { id: number } | { name: string } }) {
  const deploy =
    'id' in target ? await readDeploy(ctx, principal, target.id) : await readDeployByName(ctx, principal, target.name);
  requireProjectAccess(principal, deploy.projectName);
  requireEditable(deploy);
  return recordChange({
    ctx,
    principal,
    deploy,
    deployType: 4,
    app: { id: deploy.appId, appVersion: deploy.appVersion },
    comment: '',
  });
}

export type DeployFilter = {
  appName?: string | undefined;
  appNameMode: NameMode;
  editable: 'true' | 'false' | 'all';
  running: 'true' | 'all';
};

const RUNNING: ReadonlySet<DeployStatus> = new Set([5, 6]);

export async function listDeploys({
  ctx,
  principal,
  filter,
  paging,
}: Omit<Deps, 'connections'> & { filter: DeployFilter; paging: PageRequest }): Promise<Paged<DeployItem>> {
  const all = await ctx.store.listAll<DeployItem>(keys.oteDeploys);
  const matches = all.filter(
    (deploy) =>
      canUseProject(principal, deploy.projectName) &&
      nameMatches(deploy.appName, filter.appName, filter.appNameMode) &&
      (filter.editable === 'all' || String(isEditable(deploy.status)) === filter.editable) &&
      (filter.running === 'all' || RUNNING.has(deploy.status)),
  );
  return orderAndPage(matches, (deploy) => deploy.id, paging);
}

/** A deployment, and with `withHistory` every version it deployed, newest first. */
export async function getDeploy({
  ctx,
  principal,
  id,
  withHistory,
}: Omit<Deps, 'connections'> & { id: number; withHistory: boolean }): Promise<{
  deploy: DeployItem;
  history: DeployHistoryItem[] | undefined;
}> {
  const deploy = await readDeploy(ctx, principal, id);
  const history = withHistory ? (await readHistory(ctx, id)).sort((a, b) => b.seq - a.seq) : undefined;
  return { deploy, history };
}
