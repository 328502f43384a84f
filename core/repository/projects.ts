import type { Principal } from '../auth/schemas.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import { ConflictError } from '../errors.ts';
import { nameMatches, orderAndPage, type PageRequest, type Paged } from '../paging.ts';
import { keys } from '../store/keys.ts';
import { deleteAtVersion } from '../store/writes.ts';
import { imagesByProject } from './images.ts';
import { canRead, requireWritableProject, type OteProjectItem } from './project-item.ts';
import { openRepositoryRegistry, type RepositoryDeps } from './registry.ts';
import type { CreateOteProjectInput } from './schemas.ts';

export type OteProject = OteProjectItem & { imageCount: number };

export async function createOteProject({
  deps: { ctx },
  principal,
  input,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  input: CreateOteProjectInput;
}): Promise<OteProject> {
  requireProjectAccess(principal, input.projectName);
  const now = ctx.now().toISOString();
  const item: OteProjectItem = {
    entity: 'ote-project',
    projectId: await ctx.store.nextId(keys.counter('ote-project')),
    projectName: input.projectName,
    isPublic: input.public,
    createdBy: principal.name,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.create(keys.oteProject(item.projectName), item, `project "${item.projectName}" already exists`);
  return { ...item, imageCount: 0 };
}

/** The projects the caller may read, with how many images each holds in the registry. */
export async function listOteProjects({
  deps,
  principal,
  projectName,
  paging,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  projectName: string | undefined;
  paging: PageRequest;
}): Promise<Paged<OteProject>> {
  const all = await deps.ctx.store.listAll<OteProjectItem>(keys.oteProjects);
  const matches = all.filter(
    (project) => canRead(principal, project) && nameMatches(project.projectName, projectName, 'partial'),
  );
  const page = orderAndPage(matches, (project) => project.projectId, paging);
  if (page.items.length === 0) return { items: [], total: page.total };
  const images = await imagesByProject(
    await openRepositoryRegistry(deps),
    page.items.map((project) => project.projectName),
  );
  return {
    items: page.items.map((project) => ({ ...project, imageCount: images.get(project.projectName)!.length })),
    total: page.total,
  };
}

/**
 * Forgets a project that holds no image. The registry is asked at the time
 * of the request; an image pushed after that answer is not seen (the
 * registry has no transaction to join).
 */
export async function deleteOteProject({
  deps,
  principal,
  projectName,
}: {
  deps: RepositoryDeps;
  principal: Principal;
  projectName: string;
}): Promise<void> {
  const project = await requireWritableProject(deps.ctx, principal, projectName);
  const images = (await imagesByProject(await openRepositoryRegistry(deps), [projectName])).get(projectName)!;
  if (images.length > 0) {
    const names = images.map((image) => image.imageName);
    throw new ConflictError(
      `project "${projectName}" holds ${names.length} image(s) (${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}); delete them first`,
    );
  }
  await deps.ctx.store.transact(
    [deleteAtVersion(keys.oteProject(projectName), project.version, `project "${projectName}" changed meanwhile`)],
    `project "${projectName}" could not be deleted`,
  );
}
