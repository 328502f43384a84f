import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { KindNotServedError, type ClusterConnections, type KubeCluster, type KubeObject } from '../cluster/gateway.ts';
import { ConflictError, NotFoundError, UnavailableError } from '../errors.ts';
import { requireSettled } from './environment-state.ts';
import { readEnvServices, requireEnvironment, type EnvRef, type EnvironmentItem } from './environment-item.ts';
import {
  hasSidecar,
  listVirtualServices,
  podsOf,
  readNamespaceView,
  readPods,
  shareReadiness,
  workloadsWithoutService,
} from './sub-environment-checks.ts';
import { readSharing, writeSharing, type SharedObject } from './sub-environment-item.ts';
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
  virtualService,
  type Portal,
} from './sub-environment-objects.ts';
import type { ShareOp } from './sub-environment-schemas.ts';

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
  const portalOf = new Map<string, Portal>();
  for (const envService of envServices) {
    const servers = portals[envService.service];
    if (!servers) continue;
    for (const object of envService.appliedObjects) {
      if (object.kind === 'Service')
        portalOf.set(object.name, { gateway: portalGatewayName(envService.service), servers });
    }
  }
  const wanted: KubeObject[] = [
    ...services.map((service) => virtualService(env.key, env.namespace, service.name, portalOf.get(service.name))),
    ...Object.entries(portals).map(([service, servers]) =>
      portalGateway(env.key, { gateway: portalGatewayName(service), servers }),
    ),
  ];
  const stale = without(union(current?.objects ?? [], leftovers), wanted.map(toShared));
  const labels = namespace.metadata.labels ?? {};
  // While Berth's label is on the namespace, the injection label is Berth's too: what was there before is in the record, if anywhere.
  const previousInjection =
    current?.enabled || labels[SHARE_LABEL] !== undefined
      ? (current?.previousInjection ?? null)
      : (labels[INJECTION_LABEL] ?? null);

  // The record first: if a step below fails, it still names everything the cluster may hold.
  const item = await writeSharing(ctx, principal, env, stored, {
    enabled: true,
    previousInjection,
    objects: union(wanted.map(toShared), stale),
    portals,
  });
  // The namespace label before the filter: `releaseEnvoyFilter` relies on that order.
  await cluster.labelNamespace(env.namespace, { [INJECTION_LABEL]: 'enabled', [SHARE_LABEL]: env.key });
  await cluster.ensureNamespace(ISTIO_ROOT_NAMESPACE);
  await applyAll(cluster, [envoyFilter()], ISTIO_ROOT_NAMESPACE);
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
