import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import {
  KindNotServedError,
  type ClusterConnections,
  type KubeCluster,
  type KubeObject,
  type ServiceSummary,
} from '../cluster/gateway.ts';
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError, field, text } from '../errors.ts';
import type { ServiceScope } from '../services/scope.ts';
import { keys } from '../store/keys.ts';
import { requireSettled } from './environment-state.ts';
import {
  environmentKind,
  environmentName,
  readEnvServices,
  requireEnvironment,
  type EnvRef,
  type EnvServiceItem,
  type EnvironmentItem,
} from './environment-item.ts';
import {
  hasSidecar,
  listVirtualServices,
  podsOf,
  readNamespaceView,
  readPods,
  servicesWithWorkloads,
  shareReadiness,
  workloadsWithoutService,
} from './sub-environment-checks.ts';
import {
  readSharing,
  writeSharing,
  type SharedObject,
  type SharingItem,
  type SubEnvironment,
} from './sub-environment-item.ts';
import {
  ENVOY_FILTER,
  GATEWAY,
  INJECTION_LABEL,
  ISTIO_ROOT_NAMESPACE,
  SHARE_LABEL,
  VIRTUAL_SERVICE,
  envoyFilter,
  portalGateway,
  portalGatewayName,
  serviceCopy,
  subVirtualService,
  virtualService,
  type Portal,
} from './sub-environment-objects.ts';
import type { PortalServer, ShareOp } from './sub-environment-schemas.ts';

/**
 * Sub-environments (Zadig's "share environment"): a base environment whose
 * namespace joins the Istio mesh, with a VirtualService per Kubernetes Service
 * and the mesh-wide `x-env` EnvoyFilter, so that sub-environments can take
 * over single services for requests carrying their `x-env` header. These act
 * on the cluster directly; the record of what was created lives in the
 * environment's `sharing` item. Test environments only, as in Zadig.
 */
export type SharingRef = Omit<EnvRef, 'scope'> & { connections: ClusterConnections };

export const requireTestEnvironment = (ref: SharingRef) => requireEnvironment({ ...ref, scope: 'test' });

/** `GET .../check/workloads/k8sservices`: the workloads no Service selects, as `<name>.<Kind>`. */
export async function checkWorkloadServices(ref: SharingRef): Promise<string[]> {
  const env = await requireTestEnvironment(ref);
  const cluster = await ref.connections.get(env.clusterId);
  const [workloads, services] = await Promise.all([
    cluster.listWorkloads(env.namespace),
    cluster.listServices(env.namespace),
  ]);
  return workloadsWithoutService({ workloads, services });
}

/** `GET .../check/sharenv/:op/ready`: the documented checks, read from the cluster. */
export async function checkSharingReady({ op, ...ref }: SharingRef & { op: ShareOp }) {
  const env = await requireTestEnvironment(ref);
  const cluster = await ref.connections.get(env.clusterId);
  return shareReadiness(await readNamespaceView(cluster, env.namespace), op);
}

/**
 * `POST .../share/enable`. Idempotent: enabling again routes Services added
 * since, and removes the VirtualServices of Services that are gone.
 * Steps: label the namespace for injection, apply the EnvoyFilter, a
 * VirtualService per Service (with its portal, if one was set), restart the
 * workloads whose pods lack the sidecar so the injector adds it.
 */
export async function enableSharing(ref: SharingRef): Promise<void> {
  const { ctx, principal } = ref;
  const env = await requireTestEnvironment(ref);
  requireSettled(env);
  requireNotSubEnvironment(env);
  const cluster = await ref.connections.get(env.clusterId);
  const namespace = await requireNamespace(cluster, env);
  await requireIstio(cluster, env, [VIRTUAL_SERVICE, ENVOY_FILTER]);
  const [{ current, stored }, envServices, services, leftovers] = await Promise.all([
    readSharing(ctx, env),
    readEnvServices(ctx, env),
    cluster.listServices(env.namespace),
    sweep(cluster, env.namespace),
  ]);

  // Portals survive a repeated enable; a portal of a service no longer in the environment does not.
  const present = new Set(envServices.map((envService) => envService.service));
  const portals = Object.fromEntries(
    Object.entries(current?.enabled ? current.portals : {}).filter(([service]) => present.has(service)),
  );
  const wanted: KubeObject[] = [
    ...baseVirtualServices(env, envServices, services, portals, current?.subEnvironments ?? []),
    ...Object.entries(portals).map(([service, servers]) =>
      portalGateway(env.key, { gateway: portalGatewayName(service), servers }),
    ),
  ];
  const stale = without(union(current?.objects ?? [], leftovers), wanted.map(toShared));
  const previousInjection = injectionBeforeSharing(current, namespace);

  // The record first: if a step below fails, it still names everything the cluster may hold.
  const item = await writeSharing(ctx, principal, env, stored, {
    enabled: true,
    previousInjection,
    objects: union(wanted.map(toShared), stale),
    portals,
  });
  await joinMesh(cluster, env);
  await applyAll(cluster, wanted, env.namespace);
  if (stale.length > 0) {
    await deleteAll(cluster, stale, env.namespace);
    await writeSharing(ctx, principal, env, item, {
      enabled: true,
      previousInjection,
      objects: wanted.map(toShared),
      portals,
    });
  }
  await restartForSidecars(cluster, env.namespace, 'inject', ctx.now());
}

/** A VirtualService per Service of a shared environment, with its portal and its sub-environments' routes. */
function baseVirtualServices(
  env: EnvironmentItem,
  envServices: readonly EnvServiceItem[],
  services: readonly ServiceSummary[],
  portals: Record<string, readonly PortalServer[]>,
  subEnvironments: readonly SubEnvironment[],
): KubeObject[] {
  const portalOf = new Map<string, Portal>();
  for (const envService of envServices) {
    const servers = portals[envService.service];
    if (!servers) continue;
    for (const object of envService.appliedObjects) {
      if (object.kind === 'Service')
        portalOf.set(object.name, { gateway: portalGatewayName(envService.service), servers });
    }
  }
  return services.map((service) =>
    virtualService(
      env.key,
      env.namespace,
      service.name,
      portalOf.get(service.name),
      subEnvironments.filter((sub) => sub.services.includes(service.name)),
    ),
  );
}

/**
 * The namespace's `istio-injection` label from before Berth set it. While
 * Berth's label is on the namespace, the injection label is Berth's too: what
 * was there before is in the record, if anywhere.
 */
function injectionBeforeSharing(current: SharingItem | undefined, namespace: KubeObject): string | null {
  const labels = namespace.metadata.labels ?? {};
  return current?.enabled || labels[SHARE_LABEL] !== undefined
    ? (current?.previousInjection ?? null)
    : (labels[INJECTION_LABEL] ?? null);
}

/** The namespace label before the filter: `releaseEnvoyFilter` relies on that order. */
async function joinMesh(cluster: KubeCluster, env: EnvironmentItem): Promise<void> {
  await cluster.labelNamespace(env.namespace, { [INJECTION_LABEL]: 'enabled', [SHARE_LABEL]: env.key });
  await cluster.ensureNamespace(ISTIO_ROOT_NAMESPACE);
  await applyAll(cluster, [envoyFilter()], ISTIO_ROOT_NAMESPACE);
}

/** A sub-environment borrows its base's routing; it cannot share its own (as in Zadig, where a base is never a sub). */
function requireNotSubEnvironment(env: EnvironmentItem): void {
  if (env.baseEnv !== undefined)
    throw new ConflictError(
      `environment "${env.key}" is a sub-environment of "${env.baseEnv}": only a base environment shares`,
    );
}

/**
 * `DELETE .../share/enable`. Removes what enabling created (the recorded
 * objects, and any object carrying Berth's sharing label in the namespace),
 * gives the namespace its injection label back as it was, removes the
 * EnvoyFilter when no namespace of the cluster shares any more, and restarts
 * the workloads whose pods carry an injected sidecar. Idempotent.
 */
export async function disableSharing(ref: SharingRef): Promise<void> {
  const env = await requireTestEnvironment(ref);
  requireSettled(env);
  requireNotSubEnvironment(env);
  await requireNoSubEnvironments(ref.ctx, env);
  const cluster = await ref.connections.get(env.clusterId);
  await endSharing({
    ctx: ref.ctx,
    principal: ref.principal,
    cluster,
    env,
    namespace: await requireNamespace(cluster, env),
  });
}

/** What disabling does, also run by the worker before an environment is deleted, so nothing of sharing outlives it. */
export async function endSharing({
  ctx,
  principal,
  cluster,
  env,
  namespace,
}: {
  ctx: CoreContext;
  principal: Pick<Principal, 'name'>;
  cluster: KubeCluster;
  env: EnvironmentItem;
  namespace: KubeObject;
}): Promise<void> {
  const [{ current, stored }, leftovers] = await Promise.all([readSharing(ctx, env), sweep(cluster, env.namespace)]);
  const previousInjection = current?.previousInjection ?? null;
  const objects = union(current?.objects ?? [], leftovers);

  // The record first (portals go with sharing): a failure below is finished by disabling again.
  const item = await writeSharing(ctx, principal, env, stored, {
    enabled: false,
    previousInjection,
    objects,
    portals: {},
  });
  await deleteAll(cluster, objects, env.namespace);
  // Berth's label on the namespace says the injection label is Berth's doing too.
  if (namespace.metadata.labels?.[SHARE_LABEL] !== undefined) {
    await cluster.labelNamespace(env.namespace, { [INJECTION_LABEL]: previousInjection, [SHARE_LABEL]: null });
  }
  await releaseEnvoyFilter(cluster);
  await restartForSidecars(cluster, env.namespace, 'remove', ctx.now());
  if (objects.length > 0)
    await writeSharing(ctx, principal, env, item, { enabled: false, previousInjection, objects: [], portals: {} });
}

/**
 * The EnvoyFilter serves every sharing namespace of the cluster, so it goes
 * only when none is left. An environment enabling at the same time labels its
 * namespace before it applies the filter; so after deleting, look again: a
 * namespace labelled since may have applied the filter before the delete, and
 * gets it back. (Either it was labelled before the second look, and the filter
 * is applied again here, or after it, and its own apply comes after the delete.)
 */
async function releaseEnvoyFilter(cluster: KubeCluster): Promise<void> {
  if ((await sharingNamespaces(cluster)) > 0) return;
  await deleteAll(cluster, [ENVOY_FILTER], ISTIO_ROOT_NAMESPACE);
  if ((await sharingNamespaces(cluster)) > 0) await applyAll(cluster, [envoyFilter()], ISTIO_ROOT_NAMESPACE);
}

/** Namespaces are cluster-scoped: the gateway lists them whatever namespace it is given. */
const sharingNamespaces = async (cluster: KubeCluster) =>
  (await cluster.listObjects({ apiVersion: 'v1', kind: 'Namespace', namespace: '', labelSelector: SHARE_LABEL }))
    .length;

/**
 * Restarts (as `kubectl rollout restart` does) the workloads whose pods must
 * change for the namespace's new injection label to take effect: on `inject`,
 * those with a pod lacking `istio-proxy`; on `remove`, those with a pod
 * carrying one their template does not declare (so it was injected).
 */
async function restartForSidecars(
  cluster: KubeCluster,
  namespace: string,
  direction: 'inject' | 'remove',
  at: Date,
): Promise<void> {
  const [workloads, pods] = await Promise.all([cluster.listWorkloads(namespace), readPods(cluster, namespace)]);
  const targets = workloads.filter((workload) => {
    const own = podsOf(workload, { pods });
    if (direction === 'inject') return own.some((pod) => !hasSidecar(pod));
    return !hasSidecar({ containers: workload.containers.map((container) => container.name) }) && own.some(hasSidecar);
  });
  await inBatches(targets, (workload) => cluster.restart(workload.kind, namespace, workload.name, at));
}

export async function requireNamespace(cluster: KubeCluster, env: EnvironmentItem): Promise<KubeObject> {
  const namespace = await cluster.getObject({ apiVersion: 'v1', kind: 'Namespace', name: env.namespace });
  if (!namespace) throw new NotFoundError('namespace', env.namespace, { in: `cluster "${env.clusterId}"` });
  return namespace;
}

/** A cluster without Istio's CRDs cannot share: say so before changing anything. */
export async function requireIstio(
  cluster: KubeCluster,
  env: EnvironmentItem,
  kinds: ReadonlyArray<{ apiVersion: string; kind: string }>,
): Promise<void> {
  await Promise.all(
    kinds.map(async (kind) => {
      try {
        await cluster.listObjects({ apiVersion: kind.apiVersion, kind: kind.kind, namespace: env.namespace });
      } catch (error) {
        if (error instanceof KindNotServedError)
          throw new ConflictError(
            `cluster "${env.clusterId}" has no Istio: it does not serve ${kind.apiVersion} ${kind.kind}`,
          );
        throw error;
      }
    }),
  );
}

/** What carries Berth's sharing label in the namespace, recorded or not (left by a failed or concurrent change). */
async function sweep(cluster: KubeCluster, namespace: string): Promise<SharedObject[]> {
  const [virtualServices, gateways] = await Promise.all([
    listVirtualServices(cluster, namespace, SHARE_LABEL),
    cluster.listObjects({ ...GATEWAY, namespace, labelSelector: SHARE_LABEL }).catch((error: unknown) => {
      if (error instanceof KindNotServedError) return [];
      throw error;
    }),
  ]);
  return [...virtualServices, ...gateways].map(toShared);
}

/** Applies (server-side) each object; many at once, as the order among them does not matter. */
export async function applyAll(cluster: KubeCluster, objects: readonly KubeObject[], namespace: string): Promise<void> {
  const results = (await inBatches(objects, (object) => cluster.apply([object], { namespace }))).flat();
  const failed = results.find((result) => result.outcome === 'failed');
  if (failed)
    throw new UnavailableError(
      `the cluster did not take ${failed.kind} "${failed.name}" in namespace "${namespace}": ${failed.message}`,
    );
}

export async function deleteAll(
  cluster: KubeCluster,
  objects: readonly SharedObject[],
  namespace: string,
): Promise<void> {
  const refs = objects.map(
    (object): KubeObject => ({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.name } }),
  );
  const results = (await inBatches(refs, (ref) => cluster.deleteObjects([ref], { namespace }))).flat();
  const failed = results.find((result) => result.outcome === 'failed');
  if (failed)
    throw new UnavailableError(
      `the cluster did not delete ${failed.kind} "${failed.name}" in namespace "${namespace}": ${failed.message}`,
    );
}

/** At most this many cluster calls in flight for one request. */
const CONCURRENCY = 16;

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += CONCURRENCY)
    results.push(...(await Promise.all(items.slice(start, start + CONCURRENCY).map(run))));
  return results;
}

export const toShared = (object: KubeObject): SharedObject => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
});

const identity = (object: SharedObject) => `${object.kind}/${object.name}`;

/** The objects of all lists, each once, in first-seen order. */
export function union(...lists: ReadonlyArray<readonly SharedObject[]>): SharedObject[] {
  const seen = new Map<string, SharedObject>();
  for (const object of lists.flat()) if (!seen.has(identity(object))) seen.set(identity(object), object);
  return [...seen.values()];
}

export function without(list: readonly SharedObject[], removed: readonly SharedObject[]): SharedObject[] {
  const gone = new Set(removed.map(identity));
  return list.filter((object) => !gone.has(identity(object)));
}

/* Sub-environments created with Zadig's `sub_env` */

const refuseBase = (reason: string) => new InvalidInputError(text`${field('baseEnv')}: ${reason}`, 'baseEnv');

/**
 * The base a new environment may become a sub-environment of: a shared test
 * environment of the project, in the same cluster (the mesh routes within a
 * cluster). Production environments are never shared (Zadig's production
 * counterpart, full-path grayscale, is another feature), so a production
 * `sub_env` always names a base that is not shared.
 */
export async function requireSharedBase(
  ctx: CoreContext,
  { project, scope, clusterId, baseEnv }: { project: string; scope: ServiceScope; clusterId: string; baseEnv: string },
): Promise<void> {
  const base = await ctx.store.get<EnvironmentItem>(keys.environment(project, scope, baseEnv));
  if (!base) throw refuseBase(`no ${environmentKind(scope)} "${baseEnv}" in project "${project}"`);
  if (scope === 'production')
    throw refuseBase(`${environmentName(base)} is not shared: Berth shares test environments only`);
  if (!(await readSharing(ctx, base)).current?.enabled)
    throw refuseBase(
      `${environmentName(base)} is not shared: enable sharing first (POST /openapi/environments/${baseEnv}/share/enable)`,
    );
  if (base.clusterId !== clusterId)
    throw refuseBase(
      `${environmentName(base)} is in cluster "${base.clusterId}": a sub-environment shares its cluster`,
    );
}

type SubEnvironmentStep = { ctx: CoreContext; cluster: KubeCluster; env: EnvironmentItem; by: string };

/**
 * Joins a sub-environment to its base, as Zadig's `EnsureGrayEnvConfig` does
 * once it is created; the worker runs it again after every change of the
 * sub-environment's services, so its routes follow them. Its namespace joins
 * the mesh; in it, each Service the sub-environment runs takes requests with
 * its `x-env` and sends the rest to the base, and each base Service it does
 * not run is copied in and routed to the base; in the base, each Service's
 * VirtualService sends that `x-env` to the sub-environment first (recorded in
 * the base's sharing record, so enabling the base again keeps the routes).
 */
export async function joinBase({ ctx, cluster, env, by }: SubEnvironmentStep): Promise<void> {
  const principal = { name: by };
  const base = await readBase(ctx, env);
  const baseSharing = base && (await readSharing(ctx, base));
  if (!base || base.status === 'deleting' || !baseSharing?.current?.enabled)
    throw new ConflictError(
      `base environment "${env.baseEnv}" is no longer shared: the sub-environment cannot join it`,
    );
  const namespace = await requireNamespace(cluster, env);
  await requireIstio(cluster, env, [VIRTUAL_SERVICE, ENVOY_FILTER]);
  const [{ current, stored }, services, workloads, baseServices, leftovers] = await Promise.all([
    readSharing(ctx, env),
    cluster.listServices(env.namespace),
    cluster.listWorkloads(env.namespace),
    cluster.listServices(base.namespace),
    sweep(cluster, env.namespace),
  ]);

  // Copies carry Berth's sharing label; a service's own apply of the same name takes the label off (one field manager).
  const own = services.filter((service) => service.labels[SHARE_LABEL] === undefined);
  const ownNames = new Set(own.map((service) => service.name));
  // As in Zadig, a Service takes the sub-environment's requests only when a workload of the sub-environment backs it.
  const runs = servicesWithWorkloads({ workloads, services: own }).map((service) => service.name);
  const sub = { env: env.key, namespace: env.namespace };
  const copies = baseServices.filter((service) => !ownNames.has(service.name));
  const wanted: KubeObject[] = [
    ...runs.map((name) => subVirtualService(sub, base.namespace, name, true)),
    ...copies.flatMap((service) => [
      serviceCopy(env.key, service),
      subVirtualService(sub, base.namespace, service.name, false),
    ]),
  ];
  // A copy that became one of the sub-environment's own Services is theirs now, not stale.
  const stale = without(union(current?.objects ?? [], leftovers), wanted.map(toShared)).filter(
    (object) => !(object.kind === 'Service' && ownNames.has(object.name)),
  );
  const previousInjection = injectionBeforeSharing(current, namespace);
  const changes = { enabled: false, previousInjection, portals: {} };

  // The record first: if a step below fails, it still names everything the cluster may hold.
  const item = await writeSharing(ctx, principal, env, stored, {
    ...changes,
    objects: union(wanted.map(toShared), stale),
  });
  await joinMesh(cluster, env);
  await applyAll(cluster, wanted, env.namespace);
  if (stale.length > 0) {
    await deleteAll(cluster, stale, env.namespace);
    await writeSharing(ctx, principal, env, item, { ...changes, objects: wanted.map(toShared) });
  }
  await rerouteBase(ctx, cluster, base, baseSharing, principal, (subs) => [
    ...subs.filter((other) => other.env !== env.key),
    { ...sub, services: runs },
  ]);
  await restartForSidecars(cluster, env.namespace, 'inject', ctx.now());
}

/**
 * Takes a sub-environment's routes out of its base before it is deleted (its
 * own namespace's objects go as any environment's sharing does). A base
 * deleted or no longer shared has nothing to take out of the cluster.
 */
export async function leaveBase({ ctx, cluster, env, by }: SubEnvironmentStep): Promise<void> {
  const base = await readBase(ctx, env);
  if (!base) return;
  const baseSharing = await readSharing(ctx, base);
  if (!baseSharing.current?.subEnvironments.some((sub) => sub.env === env.key)) return;
  await rerouteBase(ctx, cluster, base, baseSharing, { name: by }, (subs) =>
    subs.filter((other) => other.env !== env.key),
  );
}

const readBase = async (ctx: CoreContext, env: EnvironmentItem) =>
  env.baseEnv === undefined
    ? undefined
    : ctx.store.get<EnvironmentItem>(keys.environment(env.project, 'test', env.baseEnv));

/**
 * Records the base's new list of sub-environments, then applies again the
 * base's VirtualServices its sharing created (a Service added since waits
 * for the next enable, as for any shared environment).
 */
async function rerouteBase(
  ctx: CoreContext,
  cluster: KubeCluster,
  base: EnvironmentItem,
  { current, stored }: { current: SharingItem | undefined; stored: SharingItem | undefined },
  principal: Pick<Principal, 'name'>,
  change: (subs: readonly SubEnvironment[]) => SubEnvironment[],
): Promise<void> {
  if (!current) return;
  const subEnvironments = change(current.subEnvironments);
  // At the version read: a concurrent enable of the base or another sub-environment joining makes this a 409 (the
  // operation fails and a retry joins again), never a lost route.
  await writeSharing(ctx, principal, base, stored, {
    enabled: current.enabled,
    previousInjection: current.previousInjection,
    objects: current.objects,
    portals: current.portals,
    subEnvironments,
  });
  if (!current.enabled) return;
  const [envServices, services] = await Promise.all([readEnvServices(ctx, base), cluster.listServices(base.namespace)]);
  const routed = new Set(
    current.objects.filter((object) => object.kind === VIRTUAL_SERVICE.kind).map((object) => object.name),
  );
  const objects = baseVirtualServices(base, envServices, services, current.portals, subEnvironments).filter((object) =>
    routed.has(object.metadata.name),
  );
  await applyAll(cluster, objects, base.namespace);
}

/**
 * A base keeps its sharing while sub-environments borrow it: Zadig deletes
 * them with it, which a caller disabling sharing would not expect.
 */
export async function requireNoSubEnvironments(ctx: CoreContext, env: EnvironmentItem): Promise<void> {
  if (env.scope !== 'test') return;
  const subs = (await readSharing(ctx, env)).current?.subEnvironments ?? [];
  if (subs.length > 0)
    throw new ConflictError(
      `environment "${env.key}" is the base of ${subs.map((sub) => `"${sub.env}"`).join(', ')}: delete ${subs.length === 1 ? 'that sub-environment' : 'those sub-environments'} first`,
    );
}
