import type { Principal } from '../auth/schemas.ts';
import type { ApplyResult } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { requireProjectWith } from '../projects/project-item.ts';
import type { ServiceVariable } from '../render/variables.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import type { ServiceScope } from '../services/scope.ts';
import type { HelmEnvService } from './helm-env-services.ts';
import type { ContainerImage, EnvVariableValue } from './schemas.ts';

export type EnvironmentStatus = 'creating' | 'updating' | 'deleting' | 'success' | 'failed';

/** A project's services deployed into one namespace of one cluster. */
export type EnvironmentItem = {
  entity: 'environment';
  project: string;
  scope: ServiceScope;
  key: string;
  /** The production alias; the key otherwise. */
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
  /** Set on a sub-environment: the shared test environment whose routing sends it the `x-env: <key>` requests. */
  baseEnv?: string;
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

/**
 * An env service's value for a variable, in the attribute names the table
 * has always stored (Zadig's, from the days the request body was stored as
 * given); `EnvVariableValue` is the same value in domain terms.
 */
export type StoredEnvVariable = { key: string; value?: unknown; use_global_variable: boolean };

/** Whether a stored value takes the environment's global variable instead of its own. */
export const takesGlobal = (kv: StoredEnvVariable): boolean => kv.use_global_variable;

export const storedVariables = (values: readonly EnvVariableValue[]): StoredEnvVariable[] =>
  values.map(({ key, value, useGlobalVariable }) => ({
    key,
    ...(value === undefined ? {} : { value }),
    use_global_variable: useGlobalVariable,
  }));

/**
 * A partial change of an env service's values, merged as Zadig merges it
 * (`fillServiceVariableAttribute`): a key sent takes the sent value, bound to
 * the global variable only when sent with `useGlobalVariable`; a key not sent
 * keeps its current value and its binding (Zadig's merge drops the binding,
 * so a later change of the global never reaches the service: Berth keeps it).
 * Current keys keep their order; new keys follow.
 */
export function mergeStoredVariables(
  current: readonly StoredEnvVariable[],
  sent: readonly EnvVariableValue[],
): StoredEnvVariable[] {
  const changes = new Map(storedVariables(sent).map((kv) => [kv.key, kv]));
  const merged = current.map((kv) => changes.get(kv.key) ?? kv);
  const known = new Set(current.map((kv) => kv.key));
  return [...merged, ...[...changes.values()].filter((kv) => !known.has(kv.key))];
}

/** One service of an environment: the environment's own values for it, and what was last applied. */
export type EnvServiceItem = {
  entity: 'env-service';
  project: string;
  scope: ServiceScope;
  env: string;
  service: string;
  variableKvs: StoredEnvVariable[];
  /** Images chosen for this environment, by container name. */
  containers: ContainerImage[];
  /** A Helm service's release and the environment's values for it; its workloads are Helm's, not `appliedObjects`. */
  helm?: HelmEnvService;
  /** `imported`: a Helm service recorded without installing its release (`deploy_strategy: import`). */
  status: 'pending' | 'applied' | 'failed' | 'imported';
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
  variableKvs: StoredEnvVariable[];
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

export const environmentKind = (scope: ServiceScope) =>
  scope === 'production' ? 'production environment' : 'environment';

/** How messages name an environment: `environment "dev"`, `production environment "prod"`. */
export const environmentName = (env: Pick<EnvironmentItem, 'scope' | 'key'>) =>
  `${environmentKind(env.scope)} "${env.key}"`;

export async function readEnvironment(
  ctx: CoreContext,
  project: string,
  scope: ServiceScope,
  envKey: string,
): Promise<EnvironmentItem> {
  const item = await ctx.store.get<EnvironmentItem>(keys.environment(project, scope, envKey));
  if (!item) throw new NotFoundError(environmentKind(scope), envKey);
  return item;
}

/** The environment a request names, after the project check (scope first, then existence). */
export async function requireEnvironment(ref: EnvRef): Promise<EnvironmentItem> {
  return (await requireEnvironmentWith(ref, [])).env;
}

/** The environment a request names and one of its services, checked as `requireEnvironment` then `readEnvService`. */
export async function requireEnvService(
  ref: EnvRef,
  serviceName: string,
): Promise<{ env: EnvironmentItem; envService: EnvServiceItem }> {
  const { env, items } = await requireEnvironmentWith(ref, [
    keys.envService(ref.projectKey, ref.scope, ref.envKey, serviceName),
  ]);
  const envService = items[0] as EnvServiceItem | undefined;
  if (!envService) throw serviceNotInEnvironment(env, serviceName);
  return { env, envService };
}

/**
 * `requireEnvironment`, with the items at `more` (in their order, undefined
 * where none is) read in the same BatchGetItem: the project's existence and
 * the environment's are both checked, as two GetItems did, in one request
 * with what the request needs besides. The scope is checked first.
 */
export async function requireEnvironmentWith(
  { ctx, principal, projectKey, scope, envKey }: EnvRef,
  more: readonly ItemKey[],
): Promise<{ env: EnvironmentItem; items: unknown[] }> {
  const {
    items: [env, ...items],
  } = await requireProjectWith(ctx, principal, projectKey, [keys.environment(projectKey, scope, envKey), ...more]);
  if (!env) throw new NotFoundError(environmentKind(scope), envKey);
  return { env: env as EnvironmentItem, items };
}

/** A service of the environment; one the environment does not have is a 404 naming the environment. */
export async function readEnvService(
  ctx: CoreContext,
  env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>,
  serviceName: string,
): Promise<EnvServiceItem> {
  const envService = await ctx.store.get<EnvServiceItem>(keys.envService(env.project, env.scope, env.key, serviceName));
  if (!envService) throw serviceNotInEnvironment(env, serviceName);
  return envService;
}

export const serviceNotInEnvironment = (env: Pick<EnvironmentItem, 'scope' | 'key'>, serviceName: string) =>
  new NotFoundError('service', serviceName, { in: environmentName(env) });

export const readEnvServices = (ctx: CoreContext, env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>) =>
  ctx.store.listAll<EnvServiceItem>(keys.envServices(env.project, env.scope, env.key));

/** An env service without its rendered YAML: what status and variables need, a fraction of the bytes. */
export type EnvServiceSummary = Omit<EnvServiceItem, 'rendered'>;
const SUMMARY_ATTRIBUTES = [
  'entity',
  'project',
  'scope',
  'env',
  'service',
  'variableKvs',
  'containers',
  'helm',
  'status',
  'error',
  'appliedObjects',
  'revision',
  'updatedBy',
  'updatedAt',
  'version',
] as const satisfies ReadonlyArray<keyof EnvServiceSummary>;

/** The names of the environment's services, and nothing else of them. */
export const readEnvServiceNames = async (ctx: CoreContext, env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>) =>
  (
    await ctx.store.listAll<Pick<EnvServiceItem, 'service'>>(keys.envServices(env.project, env.scope, env.key), {
      attributes: ['service'],
    })
  ).map((envService) => envService.service);

/** The environment's services as `readEnvServices` reads them, less the rendered YAML each one carries. */
export const readEnvServiceSummaries = (ctx: CoreContext, env: Pick<EnvironmentItem, 'project' | 'scope' | 'key'>) =>
  ctx.store.listAll<EnvServiceSummary>(keys.envServices(env.project, env.scope, env.key), {
    attributes: SUMMARY_ATTRIBUTES,
  });

/** A global variable with the services that take it. */
export type GlobalVariable = ServiceVariable & { relatedServices: string[] };

export const globalVariablesOf = (env: EnvironmentItem, services: readonly EnvServiceSummary[]): GlobalVariable[] =>
  env.globalVariables.map((variable) => ({ ...variable, relatedServices: relatedServices(services, variable.key) }));

export const relatedServices = (services: readonly EnvServiceSummary[], key: string): string[] =>
  services
    .filter((service) => service.variableKvs.some((kv) => kv.key === key && takesGlobal(kv)))
    .map((service) => service.service);
