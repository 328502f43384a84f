import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { requireProjectAccess } from '../auth/authenticate.ts';
import { ConflictError, NotFoundError, field, text } from '../errors.ts';
import type { ProjectItem } from '../projects/project-item.ts';
import { keys } from '../store/keys.ts';
import { getEach } from '../store/reads.ts';
import type { ServiceScope } from './scope.ts';
import { defineService } from './define-service.ts';
import type { ServiceLabel } from './schemas.ts';
import type { ServiceVariable } from '../render/variables.ts';
import { reviseService, serviceNotFound, type ServiceItem } from './service-item.ts';

type ServiceRef = {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  serviceName: string;
};

/** Replaces a service's YAML; its declared variables keep their values, new keys join as empty strings. */
export async function updateServiceYaml({ yaml, ...ref }: ServiceRef & { yaml: string }): Promise<ServiceItem> {
  const current = requireYamlService(await readServiceOf(ref));
  if (current.autoSync) {
    const autoSync = field('autoSync');
    throw new ConflictError(
      text`service "${current.name}" follows template "${current.templateName}" (${autoSync}); edit the template, or recreate the service without ${autoSync}`,
    );
  }
  const definition = defineService({
    project: current.project,
    name: current.name,
    yaml,
    declared: current.variables,
    field: 'yaml',
  });
  return reviseService(ref.ctx, ref.principal, current, { yaml, ...definition });
}

/** Replaces a service's variables (keys its YAML uses but the list omits join as empty strings). */
export async function updateServiceVariables({
  variables,
  ...ref
}: ServiceRef & { variables: ServiceVariable[] }): Promise<ServiceItem> {
  const current = requireYamlService(await readServiceOf(ref));
  const definition = defineService({
    project: current.project,
    name: current.name,
    yaml: current.yaml,
    declared: variables,
    field: 'variables',
  });
  return reviseService(ref.ctx, ref.principal, current, { yaml: current.yaml, ...definition });
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
 * The service a request names, after the project check (scope first, then
 * the project's existence, then the service's): both items in one BatchGetItem.
 */
export async function readServiceOf({
  ctx,
  principal,
  projectKey,
  scope,
  serviceName,
}: ServiceRef): Promise<ServiceItem> {
  requireProjectAccess(principal, projectKey);
  const [project, service] = (await getEach(ctx.store, [
    keys.project(projectKey),
    keys.service(projectKey, scope, serviceName),
  ])) as [ProjectItem | undefined, ServiceItem | undefined];
  if (!project) throw new NotFoundError('project', projectKey);
  if (!service) throw serviceNotFound(scope, serviceName);
  return service;
}

/** A Helm service has no YAML or YAML variables of its own: its chart template and values say what it deploys. */
function requireYamlService(service: ServiceItem): ServiceItem {
  if (service.type === 'helm')
    throw new ConflictError(
      `service "${service.name}" is a Helm service (chart "${service.helm?.chartName}"); load it again from its chart template to change it`,
    );
  return service;
}
