import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { requireProject } from '../projects/project-item.ts';
import { keys, type ItemKey, type ServiceScope } from '../store/keys.ts';
import { toServiceDetail, toServiceSummary, type ServiceItem } from './service-item.ts';
import { readServiceOf } from './update-service.ts';

/** Every service of a project in one scope: one Query reading only the listed fields. */
export async function listServices({ ctx, principal, projectKey, scope }: { ctx: CoreContext; principal: Principal; projectKey: string; scope: ServiceScope }) {
  await requireProject(ctx, principal, projectKey);
  const items = await ctx.store.listAll<Pick<ServiceItem, 'name' | 'containers'>>(keys.services(projectKey, scope), { attributes: ['name', 'containers'] });
  return items.map(toServiceSummary);
}

export async function getService(ref: { ctx: CoreContext; principal: Principal; projectKey: string; scope: ServiceScope; serviceName: string }) {
  return toServiceDetail(await readServiceOf(ref));
}

export async function getServiceLabels(ref: { ctx: CoreContext; principal: Principal; projectKey: string; scope: ServiceScope; serviceName: string }) {
  return (await readServiceOf(ref)).labels;
}

/** Deletes a service, its revisions and its template subscription. */
export async function deleteService(ref: { ctx: CoreContext; principal: Principal; projectKey: string; scope: ServiceScope; serviceName: string }): Promise<void> {
  const { ctx } = ref;
  const current = await readServiceOf(ref);
  const writes = [
    {
      Delete: {
        Key: keys.service(current.project, current.scope, current.name),
        // Deleting what was read: a concurrent edit makes this a Conflict rather than deleting unseen changes.
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': current.version },
      },
      conflict: `service "${current.name}" was changed by another request; read it again and retry`,
    },
    ...(current.autoSync && current.templateName ? [{ Delete: { Key: keys.templateUser(current.templateName, current.project, current.scope, current.name) } }] : []),
  ];
  await ctx.store.transact(writes, `service "${current.name}" could not be deleted`);
  const revisions = await ctx.store.listAll<ItemKey>(keys.serviceRevisions(current.project, current.scope, current.name), { attributes: [] });
  await ctx.store.removeAll(revisions.map(({ pk, sk }) => ({ pk, sk })));
}
