import type { KubeCluster } from '../cluster/gateway.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import { requireEnvService } from './environment-item.ts';
import { readSharing, writeSharing } from './sub-environment-item.ts';
import {
  GATEWAY,
  ISTIO_ROOT_NAMESPACE,
  portalGateway,
  portalGatewayName,
  virtualService,
  type Portal,
} from './sub-environment-objects.ts';
import type { PortalServer } from './sub-environment-schemas.ts';
import { requireSettled } from './environment-state.ts';
import {
  applyAll,
  deleteAll,
  requireIstio,
  requireNamespace,
  toShared,
  union,
  without,
  type SharingRef,
} from './sub-environments.ts';

/**
 * The entry service ("portal") of a shared environment: hosts and ports on
 * the mesh's ingress gateway that route to one service, so a sub-environment
 * can be tried from outside the cluster with its `x-env` header.
 */
export type EntryService = {
  /** The mesh ingress gateway's load-balancer address, "" when it has none (or there is no such gateway). */
  defaultGatewayAddress: string;
  servers: PortalServer[];
};

type PortalRef = SharingRef & { serviceName: string };

/** `GET .../share/portal/:serviceName`: the servers as last set (none until then, or once sharing is disabled). */
export async function getPortal({ serviceName, ...ref }: PortalRef): Promise<EntryService> {
  const { env } = await requireEnvService({ ...ref, scope: 'test' }, serviceName);
  const { current } = await readSharing(ref.ctx, env);
  const cluster = await ref.connections.get(env.clusterId);
  return {
    defaultGatewayAddress: await defaultGatewayAddress(cluster),
    servers: current?.enabled ? (current.portals[serviceName] ?? []) : [],
  };
}

/**
 * `POST .../share/portal/:serviceName`: a Gateway with the servers given, and
 * the service's VirtualServices bound to it (besides `mesh`) for those hosts.
 * An empty list removes the portal. Sharing must be enabled first.
 */
export async function setPortal({
  serviceName,
  servers,
  ...ref
}: PortalRef & { servers: PortalServer[] }): Promise<void> {
  const { ctx, principal } = ref;
  const { env, envService } = await requireEnvService({ ...ref, scope: 'test' }, serviceName);
  requireSettled(env);
  const { current, stored } = await readSharing(ctx, env);
  if (!current?.enabled)
    throw new ConflictError(`environment "${env.key}" is not shared; enable sharing before setting an entry service`);
  const k8sServices = envService.appliedObjects
    .filter((object) => object.kind === 'Service')
    .map((object) => object.name);
  if (servers.length > 0 && k8sServices.length === 0) {
    throw new InvalidInputError(
      `service "${serviceName}" of environment "${env.key}" has no Kubernetes Service for an entry to route to`,
      'serviceName',
    );
  }
  const cluster = await ref.connections.get(env.clusterId);
  await requireNamespace(cluster, env);
  if (servers.length > 0) await requireIstio(cluster, env, [GATEWAY]);

  const portal: Portal | undefined =
    servers.length > 0 ? { gateway: portalGatewayName(serviceName), servers } : undefined;
  const gateway = { ...GATEWAY, name: portalGatewayName(serviceName) };
  const routes = k8sServices.map((name) => virtualService(env.key, env.namespace, name, portal));
  const portals = { ...current.portals };
  if (portal) portals[serviceName] = servers;
  else delete portals[serviceName];
  const base = { enabled: true, previousInjection: current.previousInjection, portals };

  // The record first, naming the Gateway until it is gone.
  const item = await writeSharing(ctx, principal, env, stored, {
    ...base,
    objects: union(current.objects, routes.map(toShared), [gateway]),
  });
  if (portal) await applyAll(cluster, [portalGateway(env.key, portal)], env.namespace);
  await applyAll(cluster, routes, env.namespace);
  if (!portal) {
    await deleteAll(cluster, [gateway], env.namespace);
    await writeSharing(ctx, principal, env, item, { ...base, objects: without(item.objects, [gateway]) });
  }
}

/** Istio's default ingress gateway Service, as Zadig reads it: the address its load balancer got. */
async function defaultGatewayAddress(cluster: KubeCluster): Promise<string> {
  const service = await cluster.getObject({
    apiVersion: 'v1',
    kind: 'Service',
    name: 'istio-ingressgateway',
    namespace: ISTIO_ROOT_NAMESPACE,
  });
  const ingress =
    ((service?.['status'] ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } })
      .loadBalancer?.ingress ?? [];
  const first = ingress.find((entry) => entry.hostname || entry.ip);
  return first?.hostname || first?.ip || '';
}
