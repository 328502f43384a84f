import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { getEach } from '../store/reads.ts';
import type { ProjectType } from './schemas.ts';

export type ProjectItem = {
  key: string;
  name: string;
  description: string;
  isPublic: boolean;
  type: ProjectType;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

/**
 * The project a request names, after checking the caller may use it. Scope is
 * checked first, so a scoped token learns nothing about projects outside it.
 */
export async function requireProject(ctx: CoreContext, principal: Principal, projectKey: string): Promise<ProjectItem> {
  requireProjectAccess(principal, projectKey);
  const item = await ctx.store.get<ProjectItem>(keys.project(projectKey));
  if (!item) throw new NotFoundError('project', projectKey);
  return item;
}

/**
 * `requireProject`, with the items at `more` (in their order, undefined where
 * none is) read in the same BatchGetItem: a request that needs its project
 * and a few items besides pays one round trip.
 */
export async function requireProjectWith(
  ctx: CoreContext,
  principal: Principal,
  projectKey: string,
  more: readonly ItemKey[],
): Promise<{ project: ProjectItem; items: unknown[] }> {
  requireProjectAccess(principal, projectKey);
  const [project, ...items] = await getEach(ctx.store, [keys.project(projectKey), ...more]);
  if (!project) throw new NotFoundError('project', projectKey);
  return { project: project as ProjectItem, items };
}
