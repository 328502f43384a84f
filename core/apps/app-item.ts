import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { ChartLocation } from '../charts/chart-item.ts';
import type { CreateAppInput } from './schemas.ts';

/** What a chart application deploys: an uploaded chart, stored by digest as chart templates are. */
export type AppChart = ChartLocation & { chartName: string; chartVersion: string };

/**
 * An application version: what a deployment renders (an image application)
 * or installs as a Helm release (a chart application). Immutable once
 * written (a change is a new version); `deployments` counts the deployments
 * that currently run it, moved in the same transactions as they are.
 */
export type AppItem = ImageAppItem | ChartAppItem;
export type ImageAppItem = AppBase &
  Omit<CreateAppInput, 'appName' | 'projectName' | 'version'> & { chart?: undefined };
export type ChartAppItem = AppBase & { chart: AppChart; repositoryId?: undefined };

export const isChartApp = (app: AppItem): app is ChartAppItem => app.chart !== undefined;

type AppBase = {
  entity: 'ote-app';
  id: number;
  appName: string;
  projectName: string;
  /** The application's own version (`x.x`); `version` is the item's, as on every aggregate. */
  appVersion: string;
  deployments?: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

/** Whether a caller may see a project's applications and deployments. */
export const canUseProject = (principal: Principal, projectName: string): boolean =>
  principal.role === 'admin' || principal.projects === undefined || principal.projects.includes(projectName);

/** An application the caller may see; one of another project reads as missing, so nothing leaks. */
export async function readApp(ctx: CoreContext, principal: Principal, id: number): Promise<AppItem> {
  const item = await ctx.store.get<AppItem>(keys.oteApp(id));
  if (!item || !canUseProject(principal, item.projectName)) throw new NotFoundError('application', String(id));
  return item;
}

/** The application `name` at `version`, if the caller may see it. */
export async function readAppVersion(
  ctx: CoreContext,
  principal: Principal,
  name: string,
  version: string,
): Promise<AppItem> {
  const lookup = await ctx.store.get<{ appId: number }>(keys.oteAppName(name, version));
  if (!lookup) throw new NotFoundError('application', `${name} ${version}`);
  const item = await ctx.store.get<AppItem>(keys.oteApp(lookup.appId));
  if (!item || !canUseProject(principal, item.projectName))
    throw new NotFoundError('application', `${name} ${version}`);
  return item;
}
