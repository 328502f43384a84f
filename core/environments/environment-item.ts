import type { Principal } from '../auth/schemas.ts';
import type { ApplyResult } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { requireProject, unixSeconds } from '../projects/project-item.ts';
import type { ServiceVariable } from '../render/variables.ts';
import { keys } from '../store/keys.ts';
import type { ServiceScope } from '../services/scope.ts';
import type { ContainerImage, EnvVariableKV } from './schemas.ts';

export type EnvironmentStatus = 'creating' | 'updating' | 'deleting' | 'success' | 'failed';

/** A project's services deployed into one namespace of one cluster. */
export type EnvironmentItem = {
  entity: 'environment';
  project: string;
  scope: ServiceScope;
  key: string;
  /** The production alias (`env_name`); the key otherwise. */
  name: string;
  clusterId: string;
  namespace: string;
  registryId: string;
  /** Whether Berth created the namespace (then deleting the environment may delete it). */
  createdNamespace?: boolean;
  /** Set once the creation operation succeeded; until then only a retry may change the environment. */
  created?: boolean;
  /** The operation that creates the environment: a retry of a creation takes its configurations from it. */
  creationOperationId: string;
  globalVariables: ServiceVariable[];
  status: EnvironmentStatus;
  statusMessage?: string | null;
  lastOperationId: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
};

export type AppliedObject = { apiVersion: string; kind: string; name: string };

/** One service of an environment: the environment's own values for it, and what was last applied. */
export type EnvServiceItem = {
  entity: 'env-service';
  project: string;
  scope: ServiceScope;
  env: string;
  service: string;
  variableKvs: EnvVariableKV[];
  /** Images chosen for this environment, by container name. */
  containers: ContainerImage[];
  status: 'pending' | 'applied' | 'failed';
  error?: string | null;
  /** The YAML last applied, placeholders and values substituted. */
  rendered?: string;
  /** What the last apply created, so that removing the service removes exactly that. */
  appliedObjects: AppliedObject[];
  revision: number;
  updatedBy: string;
  updatedAt: string;
  version: number;
};

/** What changed an env service: an apply by the worker, or a direct action on its workloads. */
export type EnvServiceAction = 'apply' | 'scale' | 'restart' | 'restart-pod' | 'image';

/** One change of an env service, for history and rollback: what was rendered, what was done, by whom. */
export type EnvServiceRevisionItem = {
  entity: 'env-service-revision';
  action: EnvServiceAction;
  /** What a direct action did, e.g. `Deployment/web scaled to 3`. */
  detail?: string;
  project: string;
  scope: ServiceScope;
  env: string;
  service: string;
  revision: number;
  rendered: string;
  variableKvs: EnvVariableKV[];
  containers: ContainerImage[];
  results: ApplyResult[];
  appliedBy: string;
  appliedAt: string;
};

export type EnvRef = {
  ctx: CoreContext;
  principal: Principal;
  projectKey: string;
  scope: ServiceScope;
  envKey: string;
};

export async function readEnvironment(
  ctx: CoreContext,
  project: string,
  scope: ServiceScope,
  envKey: string,
): Promise<EnvironmentItem> {
  const item = await ctx.store.get<EnvironmentItem>(keys.environment(project, scope, envKey));
  if (!item) throw new NotFoundError(scope === 'production' ? 'production environment' : 'environment', envKey);
  return item;
}

/** The environment a request names, after the project check (scope first, then existence). */
export async function requireEnvironment({
  ctx,
  principal,
  projectKey,
  scope,
  envKey,
}: EnvRef): Promise<EnvironmentItem> {
  await requireProject(ctx, principal, projectKey);
  return readEnvironment(ctx, projectKey, scope, envKey);
}

export const readEnvServices = (ctx: CoreContext, env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>) =>
  ctx.store.listAll<EnvServiceItem>(keys.envServices(env.project, env.scope, env.key));

export const toEnvironmentSummary = (env: EnvironmentItem) => ({
  env_name: env.name,
  env_key: env.key,
  cluster_id: env.clusterId,
  namespace: env.namespace,
  production: env.scope === 'production',
  registry_id: env.registryId,
  status: env.status,
  update_by: env.updatedBy,
  update_time: unixSeconds(env.updatedAt),
});

/** Global variables with the services that take them (`use_global_variable`). */
export function globalVariablesView(env: EnvironmentItem, services: readonly EnvServiceItem[]) {
  return env.globalVariables.map((variable) => ({
    ...variable,
    related_services: relatedServices(services, variable.key),
  }));
}

export const relatedServices = (services: readonly EnvServiceItem[], key: string): string[] =>
  services
    .filter((service) => service.variableKvs.some((kv) => kv.key === key && kv.use_global_variable))
    .map((service) => service.service);
