import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError } from '../errors.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { deleteAtVersion } from '../store/writes.ts';
import type { ServiceItem } from '../services/service-item.ts';
import { templateFollowers } from '../templates/template-item.ts';
import { requireProject, type ProjectItem } from './project-item.ts';
import type { NewProject } from './schemas.ts';

export async function createProject({
  ctx,
  principal,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  input: NewProject;
}): Promise<ProjectItem> {
  const now = ctx.now().toISOString();
  const item: ProjectItem = {
    ...input,
    createdBy: principal.name,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.create(keys.project(item.key), item, `project "${item.key}" already exists`);
  return item;
}

export async function getProject({
  ctx,
  principal,
  projectKey,
}: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
}): Promise<ProjectItem> {
  return requireProject(ctx, principal, projectKey);
}

/**
 * Zadig pages projects by number. Projects are few, so a page is found by
 * walking the partition in key order; a scoped token sees only its projects.
 */
export async function listProjects({
  ctx,
  principal,
  pageNum,
  pageSize,
}: {
  ctx: CoreContext;
  principal: Principal;
  pageNum: number;
  pageSize: number;
}): Promise<{ total: number; projects: ProjectItem[] }> {
  const visible = (await ctx.store.listAll<ProjectItem>(keys.projects)).filter(
    (item) => principal.role === 'admin' || principal.projects === undefined || principal.projects.includes(item.key),
  );
  const start = (pageNum - 1) * pageSize;
  return { total: visible.length, projects: visible.slice(start, start + pageSize) };
}

/**
 * Deletes a project and its services. Refused while the project has
 * environments: they run its services on clusters, and deleting the project
 * would orphan them.
 */
export async function deleteProject({
  ctx,
  principal,
  projectKey,
}: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
}): Promise<void> {
  const project = await requireProject(ctx, principal, projectKey);
  const environments = await ctx.store.count(keys.environments(projectKey));
  if (environments > 0) {
    throw new ConflictError(`project "${projectKey}" still has ${environments} environment(s); delete them first`);
  }
  const services = await ctx.store.listAll<ItemKey & Pick<ServiceItem, 'name' | 'scope' | 'templateName' | 'autoSync'>>(
    keys.allServices(projectKey),
    {
      attributes: ['name', 'scope', 'templateName', 'autoSync'],
    },
  );
  const revisions = await ctx.store.listAll<ItemKey>(keys.allServiceRevisions(projectKey), { attributes: [] });
  const templateUsers = services.flatMap((service) =>
    service.autoSync && service.templateName
      ? [keys.templateUser(service.templateName, projectKey, service.scope, service.name)]
      : [],
  );
  // The project goes first, under its version: a concurrent create of a
  // service then fails on its project check instead of outliving the project.
  await ctx.store.transact(
    [deleteAtVersion(keys.project(projectKey), project.version)],
    `project "${projectKey}" changed while it was being deleted`,
  );
  await ctx.store.removeAll([...templateUsers, ...services, ...revisions].map(({ pk, sk }) => ({ pk, sk })));
  // The templates these services followed have that many fewer followers.
  const followed = new Map<string, number>();
  for (const service of services)
    if (service.autoSync && service.templateName)
      followed.set(service.templateName, (followed.get(service.templateName) ?? 0) + 1);
  for (const [template, count] of followed)
    await ctx.store.transact([templateFollowers(template, -count)], `template "${template}" could not be updated`);
}
