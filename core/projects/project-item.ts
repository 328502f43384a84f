import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { ProjectType, ProjectView } from './schemas.ts';

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

export const unixSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export const toProjectView = (item: ProjectItem): ProjectView => ({
  project_key: item.key,
  project_name: item.name,
  description: item.description,
  is_public: item.isPublic,
  project_type: item.type,
  created_by: item.createdBy,
  created_time: unixSeconds(item.createdAt),
  updated_time: unixSeconds(item.updatedAt),
});

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
