import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { requireProjectWith } from '../projects/project-item.ts';
import type { ServiceContainer } from '../render/manifests.ts';
import type { ServiceVariable } from '../render/variables.ts';
import { keys } from '../store/keys.ts';
import { createIfAbsent, putAtVersion } from '../store/writes.ts';
import type { ServiceScope } from './scope.ts';
import type { ServiceLabel } from './schemas.ts';
import type { HelmServiceChart } from '../charts/helm-service.ts';

/**
 * A service of a project, test or production: K8s YAML, or (`type: 'helm'`)
 * a chart with its values. Its `containers` are stored as
 * `extractContainers` gives them, `image_name` included.
 */
export type ServiceItem = {
  entity: 'service';
  project: string;
  scope: ServiceScope;
  name: string;
  /** `k8s` when absent (items written before Helm services existed). */
  type?: 'k8s' | 'helm';
  /** A Helm service's chart and values; its `yaml` is empty and its `variables` are the chart template's. */
  helm?: HelmServiceChart;
  /** The YAML template as written, `{{.var}}` and placeholders intact. */
  yaml: string;
  variables: ServiceVariable[];
  /** The containers of the YAML rendered with `variables`. */
  containers: ServiceContainer[];
  templateName?: string;
  /** Follows later edits of `templateName`; its YAML is not edited directly. */
  autoSync: boolean;
  labels: ServiceLabel[];
  revision: number;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
};

/** What one revision of a service was: kept for history and, later, rollback. */
export type ServiceRevisionItem = Pick<
  ServiceItem,
  'project' | 'scope' | 'name' | 'yaml' | 'variables' | 'containers' | 'revision' | 'helm'
> & {
  entity: 'service-revision';
  updatedBy: string;
  updatedAt: string;
};

export const scopeOf = (production: boolean): ServiceScope => (production ? 'production' : 'test');

export async function readService(
  ctx: CoreContext,
  project: string,
  scope: ServiceScope,
  name: string,
): Promise<ServiceItem> {
  const item = await ctx.store.get<ServiceItem>(keys.service(project, scope, name));
  if (!item) throw serviceNotFound(scope, name);
  return item;
}

/** A service of a project the principal may use, by name. */
export type ServiceRef = {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  serviceName: string;
};

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
  const {
    items: [service],
  } = await requireProjectWith(ctx, principal, projectKey, [keys.service(projectKey, scope, serviceName)]);
  if (!service) throw serviceNotFound(scope, serviceName);
  return service as ServiceItem;
}

/** The services named, in order, in one BatchGetItem per 100 names; a missing one is a 404. */
export async function readServicesNamed(
  ctx: CoreContext,
  project: string,
  scope: ServiceScope,
  names: readonly string[],
): Promise<ServiceItem[]> {
  const items = await ctx.store.getAll<ServiceItem>(names.map((name) => keys.service(project, scope, name)));
  const found = new Map(items.map((service) => [service.name, service]));
  return names.map((name) => {
    const service = found.get(name);
    if (!service) throw serviceNotFound(scope, name);
    return service;
  });
}

export const serviceNotFound = (scope: ServiceScope, name: string) =>
  new NotFoundError(scope === 'production' ? 'production service' : 'service', name);

/**
 * Writes a new revision of a service: the service under the version it was
 * read at (a concurrent writer makes this a Conflict, never a lost update) and
 * the revision record, in one transaction.
 */
export async function reviseService(
  ctx: CoreContext,
  principal: Pick<Principal, 'name'>,
  current: ServiceItem,
  changes: Pick<ServiceItem, 'yaml' | 'variables' | 'containers'> & Pick<Partial<ServiceItem>, 'helm'>,
): Promise<ServiceItem> {
  const now = ctx.now().toISOString();
  const next: ServiceItem = {
    ...current,
    ...changes,
    revision: current.revision + 1,
    updatedBy: principal.name,
    updatedAt: now,
    version: current.version + 1,
  };
  await ctx.store.transact(
    [
      putAtVersion(
        { ...keys.service(current.project, current.scope, current.name), ...next },
        current.version,
        `service "${current.name}" was changed by another request; read it again and retry`,
      ),
      createIfAbsent(revisionItem(next)),
    ],
    `service "${current.name}" was changed by another request`,
  );
  return next;
}

export function revisionItem(service: ServiceItem): ServiceRevisionItem & { pk: string; sk: string } {
  return {
    ...keys.serviceRevision(service.project, service.scope, service.name, service.revision),
    entity: 'service-revision',
    project: service.project,
    scope: service.scope,
    name: service.name,
    yaml: service.yaml,
    variables: service.variables,
    containers: service.containers,
    ...(service.helm ? { helm: service.helm } : {}),
    revision: service.revision,
    updatedBy: service.updatedBy,
    updatedAt: service.updatedAt,
  };
}
