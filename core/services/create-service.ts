import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { requireProject } from '../projects/project-item.ts';
import { keys } from '../store/keys.ts';
import { adjustCount, createIfAbsent, putItem, requireAtVersion, requireExists, type Write } from '../store/writes.ts';
import { readTemplate, type TemplateItem } from '../templates/template-item.ts';
import type { ServiceScope } from './scope.ts';
import { defineService } from './define-service.ts';
import type { NewRawService, NewTemplateService } from './schemas.ts';
import { revisionItem, type ServiceItem } from './service-item.ts';

/** Creates a service from a YAML template; with `autoSync` it follows the template's later edits. */
export async function createServiceFromTemplate({
  ctx,
  principal,
  scope,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  scope: ServiceScope;
  input: NewTemplateService;
}): Promise<ServiceItem> {
  await requireProject(ctx, principal, input.project);
  const template = await readTemplate(ctx, input.template);
  const { variables, containers } = defineService({
    project: input.project,
    name: input.name,
    yaml: template.content,
    declared: template.variables,
    values: input.values,
    field: 'values',
  });
  return insertService(ctx, principal, {
    project: input.project,
    scope,
    name: input.name,
    yaml: template.content,
    variables,
    containers,
    template: { item: template, autoSync: input.autoSync },
  });
}

/** Creates a service from YAML written by hand. */
export async function createRawService({
  ctx,
  principal,
  scope,
  projectKey,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  scope: ServiceScope;
  projectKey: string;
  input: NewRawService;
}): Promise<ServiceItem> {
  await requireProject(ctx, principal, projectKey);
  const { variables, containers } = defineService({
    project: projectKey,
    name: input.name,
    yaml: input.yaml,
    declared: input.variables,
    field: 'variables',
  });
  return insertService(ctx, principal, {
    project: projectKey,
    scope,
    name: input.name,
    yaml: input.yaml,
    variables,
    containers,
  });
}

async function insertService(
  ctx: CoreContext,
  principal: Principal,
  service: Pick<ServiceItem, 'project' | 'scope' | 'name' | 'yaml' | 'variables' | 'containers'> & {
    template?: { item: TemplateItem; autoSync: boolean };
  },
): Promise<ServiceItem> {
  const now = ctx.now().toISOString();
  const { template, ...fields } = service;
  const item: ServiceItem = {
    entity: 'service',
    ...fields,
    ...(template ? { templateName: template.item.name } : {}),
    autoSync: template?.autoSync ?? false,
    labels: [],
    revision: 1,
    createdBy: principal.name,
    createdAt: now,
    updatedBy: principal.name,
    updatedAt: now,
    version: 1,
  };
  const writes: Write[] = [
    createIfAbsent(
      { ...keys.service(item.project, item.scope, item.name), ...item },
      `${item.scope === 'production' ? 'production service' : 'service'} "${item.name}" already exists in project "${item.project}"`,
    ),
    createIfAbsent(revisionItem(item)),
    // A project deleted meanwhile must not leave this service behind.
    requireExists(keys.project(item.project), `project "${item.project}" was deleted meanwhile`),
  ];
  if (template) {
    // The service was rendered from this version of the template; if it changed meanwhile, render again.
    // A follower is counted on the template in the same write, so a concurrent delete of the template cannot miss it.
    const conflict = `template "${template.item.name}" changed while the service was being created; retry`;
    const { name, version } = template.item;
    writes.push(
      template.autoSync
        ? adjustCount(keys.template(name), 'followers', 1, conflict, version)
        : requireAtVersion(keys.template(name), version, conflict),
    );
    if (template.autoSync) {
      writes.push(
        putItem({
          ...keys.templateUser(name, item.project, item.scope, item.name),
          project: item.project,
          scope: item.scope,
          service: item.name,
        }),
      );
    }
  }
  await ctx.store.transact(writes, `service "${item.name}" could not be created`);
  return item;
}
