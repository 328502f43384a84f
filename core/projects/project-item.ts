import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
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
