import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';

/** An ote-stack project: Berth's record of a repository namespace of the registry. */
export type OteProjectItem = {
  entity: 'ote-project';
  projectId: number;
  projectName: string;
  isPublic: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

/** Whether a caller may read a project's images: its own projects, or any public one. */
export const canRead = (principal: Principal, project: Pick<OteProjectItem, 'projectName' | 'isPublic'>): boolean =>
  project.isPublic ||
  principal.role === 'admin' ||
  principal.projects === undefined ||
  principal.projects.includes(project.projectName);

export async function readOteProject(ctx: CoreContext, name: string): Promise<OteProjectItem> {
  const item = await ctx.store.get<OteProjectItem>(keys.oteProject(name));
  if (!item) throw new NotFoundError('project', name);
  return item;
}

/** The project, if the caller may read it; a project it may not read is reported as missing, so nothing leaks. */
export async function requireReadableProject(
  ctx: CoreContext,
  principal: Principal,
  name: string,
): Promise<OteProjectItem> {
  const item = await ctx.store.get<OteProjectItem>(keys.oteProject(name));
  if (!item || !canRead(principal, item)) throw new NotFoundError('project', name);
  return item;
}

/** The project, if the caller may change it (its token's scope names it). */
export async function requireWritableProject(
  ctx: CoreContext,
  principal: Principal,
  name: string,
): Promise<OteProjectItem> {
  requireProjectAccess(principal, name);
  return readOteProject(ctx, name);
}
