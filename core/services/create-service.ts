import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { requireProject } from '../projects/project-item.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { adjustCount, createIfAbsent, putItem, requireAtVersion, requireExists, type Write } from '../store/writes.ts';
import { readTemplate } from '../templates/template-item.ts';
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
  const service = { project: input.project, scope, name: input.name };
  return insertService(
    ctx,
    principal,
    {
      ...service,
      yaml: template.content,
      variables,
      containers,
      templateName: template.name,
      autoSync: input.autoSync,
    },
    followTemplate({
      template: keys.template(template.name),
      templateName: template.name,
      version: template.version,
      user: keys.templateUser(template.name, service.project, service.scope, service.name),
      service,
      autoSync: input.autoSync,
    }),
  );
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

/**
 * Writes a new service and its first revision; `follow` ties it to the
 * template it was rendered from (see `followTemplate`), in the same transaction.
 */
export async function insertService(
  ctx: CoreContext,
  principal: Principal,
  service: Pick<ServiceItem, 'project' | 'scope' | 'name' | 'yaml' | 'variables' | 'containers'> &
    Pick<Partial<ServiceItem>, 'type' | 'helm' | 'templateName' | 'autoSync'>,
  follow: Write[] = [],
): Promise<ServiceItem> {
  const now = ctx.now().toISOString();
  const item: ServiceItem = {
    entity: 'service',
    ...service,
    autoSync: service.autoSync ?? false,
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
    ...follow,
  ];
  await ctx.store.transact(writes, `service "${item.name}" could not be created`);
  return item;
}

/**
 * The writes that tie a new service to the version of the template (YAML or
 * chart) it was rendered from: if the template changed meanwhile, the service
 * is rendered again. A follower (`autoSync`) is counted on the template and
 * listed under it in the same write, so a concurrent delete of the template
 * cannot miss it.
 */
export function followTemplate({
  template,
  templateName,
  version,
  user,
  service,
  autoSync,
}: {
  template: ItemKey;
  templateName: string;
  version: number;
  user: ItemKey;
  service: Pick<ServiceItem, 'project' | 'scope' | 'name'>;
  autoSync: boolean;
}): Write[] {
  const conflict = `template "${templateName}" changed while the service was being created; retry`;
  if (!autoSync) return [requireAtVersion(template, version, conflict)];
  return [
    adjustCount(template, 'followers', 1, conflict, version),
    putItem({ ...user, project: service.project, scope: service.scope, service: service.name }),
  ];
}
