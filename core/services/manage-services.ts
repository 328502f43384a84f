import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { requireProject } from '../projects/project-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { adjustCount, deleteAtVersion, deleteItem, type Write } from '../store/writes.ts';
import { ConflictError } from '../errors.ts';
import { templateFollowers } from '../templates/template-item.ts';
import type { ServiceLabel } from './schemas.ts';
import type { ServiceScope } from './scope.ts';
import { readServiceOf, type ServiceItem, type ServiceRef } from './service-item.ts';

/** Every service of a project in one scope: one Query reading only the listed fields. */
export async function listServices({
  ctx,
  principal,
  projectKey,
  scope,
}: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
}): Promise<Array<Pick<ServiceItem, 'name' | 'containers' | 'type'>>> {
  await requireProject(ctx, principal, projectKey);
  return ctx.store.listAll<Pick<ServiceItem, 'name' | 'containers' | 'type'>>(keys.services(projectKey, scope), {
    attributes: ['name', 'containers', 'type'],
  });
}

export async function getService(ref: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  serviceName: string;
}): Promise<ServiceItem> {
  return readServiceOf(ref);
}

export async function getServiceLabels(ref: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  serviceName: string;
}) {
  return (await readServiceOf(ref)).labels;
}

/** Replaces a service's labels. Labels describe the service; they are not a revision of what it deploys. */
export async function setServiceLabels({
  labels,
  ...ref
}: ServiceRef & { labels: ServiceLabel[] }): Promise<ServiceLabel[]> {
  const current = await readServiceOf(ref);
  await ref.ctx.store.update(
    keys.service(current.project, current.scope, current.name),
    current.version,
    { labels },
    `service "${current.name}" was changed by another request; read it again and retry`,
  );
  return labels;
}

/**
 * Deletes a service, its revisions and its template subscription. Refused
 * while an environment runs it: the environment could no longer render it.
 */
export async function deleteService(ref: {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  serviceName: string;
}): Promise<void> {
  const { ctx } = ref;
  const current = await readServiceOf(ref);
  const users = (
    await ctx.store.listAll<{ env: string; service: string }>(keys.allEnvServices(current.project, current.scope), {
      attributes: ['env', 'service'],
    })
  )
    .filter((envService) => envService.service === current.name)
    .map((envService) => `"${envService.env}"`);
  if (users.length > 0)
    throw new ConflictError(`service "${current.name}" runs in environment ${users.join(', ')}; remove it there first`);
  // Revisions first: if this is cut short, the service is still there to delete again.
  const revisions = await ctx.store.listAll<ItemKey>(
    keys.serviceRevisions(current.project, current.scope, current.name),
    { attributes: [] },
  );
  const latest = keys.serviceRevision(current.project, current.scope, current.name, current.revision);
  await ctx.store.removeAll(
    revisions.filter((revision) => revision.sk !== latest.sk).map(({ pk, sk }) => ({ pk, sk })),
  );
  const writes: Write[] = [
    deleteAtVersion(
      keys.service(current.project, current.scope, current.name),
      current.version,
      `service "${current.name}" was changed by another request; read it again and retry`,
    ),
    // The latest revision goes with the service, in its transaction.
    deleteItem(latest),
    ...(current.autoSync && current.templateName ? unfollowTemplate(current, current.templateName) : []),
  ];
  await ctx.store.transact(writes, `service "${current.name}" could not be deleted`);
}

/** The writes that stop a service following its template: a YAML template, or a chart template for a Helm service. */
function unfollowTemplate(service: ServiceItem, templateName: string): Write[] {
  if (service.type === 'helm')
    return [
      deleteItem(keys.chartUser(templateName, service.project, service.scope, service.name)),
      adjustCount(
        keys.chartTemplate(templateName),
        'followers',
        -1,
        `chart template "${templateName}" was deleted meanwhile`,
      ),
    ];
  return [
    deleteItem(keys.templateUser(templateName, service.project, service.scope, service.name)),
    templateFollowers(templateName, -1),
  ];
}
