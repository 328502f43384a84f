import type { KubeCluster } from '../cluster/gateway.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { EnvServiceItem, EnvironmentItem } from './environment-item.ts';
import { readSharing, writeSharing } from './sub-environment-item.ts';
import {
  GATEWAY,
  ISTIO_ROOT_NAMESPACE,
  portalGateway,
  portalGatewayName,
  virtualService,
  type Portal,
} from './sub-environment-objects.ts';
import type { PortalServer, SetPortalInput } from './sub-environment-schemas.ts';
import { requireSettled } from './environment-state.ts';
import {
  applyAll,
  deleteAll,
  requireIstio,
  requireNamespace,
  requireTestEnvironment,
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
export type PortalView = {
  /** The mesh ingress gateway's load-balancer address, "" when it has none (or there is no such gateway). */
  default_gateway_address: string;
  servers: PortalServer[];
};

type PortalRef = SharingRef & { serviceName: string };

/** `GET .../share/portal/:serviceName`: the servers as last set (none until then, or once sharing is disabled). */
export async function getPortal({ serviceName, ...ref }: PortalRef): Promise<PortalView> {
  const env = await requireTestEnvironment(ref);
  await requireEnvService(ref, env, serviceName);
  const { current } = await readSharing(ref.ctx, env);
  const cluster = await ref.connections.get(env.clusterId);
  return {
    default_gateway_address: await defaultGatewayAddress(cluster),
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
}: PortalRef & { servers: SetPortalInput }): Promise<void> {
  const { ctx, principal } = ref;
  const env = await requireTestEnvironment(ref);
  requireSettled(env);
  const envService = await requireEnvService(ref, env, serviceName);
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

async function requireEnvService(ref: SharingRef, env: EnvironmentItem, serviceName: string): Promise<EnvServiceItem> {
  const envService = await ref.ctx.store.get<EnvServiceItem>(
    keys.envService(env.project, env.scope, env.key, serviceName),
  );
  if (!envService) throw new NotFoundError(`service of environment "${env.key}"`, serviceName);
  return envService;
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
