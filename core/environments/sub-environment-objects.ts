import { createHash } from 'node:crypto';
import type { KubeObject, ServiceSummary } from '../cluster/gateway.ts';
import type { PortalServer } from './sub-environment-schemas.ts';

/**
 * The Istio objects that make an environment shareable (a base environment
 * that sub-environments borrow services from, selected by the `x-env` request
 * header), built here so that the verbs only decide when to apply or delete
 * them.
 */

/** Istio's root namespace: configuration there applies to every sidecar of the mesh. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';
/** The label Istio's injector reads on a namespace. */
export const INJECTION_LABEL = 'istio-injection';
export const SIDECAR_CONTAINER = 'istio-proxy';
/** Marks every object Berth creates for sharing, and every namespace that shares, with the environment's key. */
export const SHARE_LABEL = 'berth.dev/share-env';
export const ENV_HEADER = 'x-env';

export const VIRTUAL_SERVICE = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService' } as const;
export const GATEWAY = { apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway' } as const;
export const ENVOY_FILTER = {
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'EnvoyFilter',
  name: 'berth-share-env',
} as const;

const labels = (envKey: string) => ({ 'app.kubernetes.io/managed-by': 'berth', [SHARE_LABEL]: envKey });

/** The VirtualService of a Kubernetes Service (as Zadig names its own `zadig-<service>`). */
export const virtualServiceName = (k8sService: string) => `berth-${k8sService}`;

/** The Gateway of a service's portal; Zadig service names may hold `_` and capitals, which object names may not. */
export function portalGatewayName(serviceName: string): string {
  const safe =
    serviceName
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '') || 'service';
  const suffix = safe === serviceName ? '' : `-${createHash('sha256').update(serviceName).digest('hex').slice(0, 6)}`;
  return `berth-portal-${safe}${suffix}`;
}

export type Portal = { gateway: string; servers: readonly PortalServer[] };

/** A sub-environment as the base's routing sees it: its key (the `x-env` value) and namespace. */
export type SubRoute = { env: string; namespace: string };

const host = (k8sService: string, namespace: string) => `${k8sService}.${namespace}.svc.cluster.local`;
const routeTo = (k8sService: string, namespace: string) => ({
  route: [{ destination: { host: host(k8sService, namespace) } }],
});
const headerRouteTo = (k8sService: string, sub: SubRoute) => ({
  match: [{ headers: { [ENV_HEADER]: { exact: sub.env } } }],
  ...routeTo(k8sService, sub.namespace),
});

/**
 * Routes a Service's traffic to itself in the environment's namespace, but
 * for requests carrying `x-env: <sub-environment>` of a sub-environment that
 * runs the Service: those go to the sub-environment's namespace first (as
 * Zadig's `ensureUpdateVirtualServiceInBase` puts them). The base route stays
 * last. With a portal, the ingress gateway's hosts route here too, and `mesh`
 * stays listed so in-mesh callers keep their route.
 */
export function virtualService(
  envKey: string,
  namespace: string,
  k8sService: string,
  portal?: Portal,
  subRoutes: readonly SubRoute[] = [],
): KubeObject {
  return {
    ...VIRTUAL_SERVICE,
    metadata: { name: virtualServiceName(k8sService), labels: labels(envKey) },
    spec: {
      hosts: [k8sService, ...(portal?.servers.map((server) => server.host) ?? [])],
      ...(portal ? { gateways: ['mesh', portal.gateway] } : {}),
      http: [...subRoutes.map((sub) => headerRouteTo(k8sService, sub)), routeTo(k8sService, namespace)],
    },
  };
}

/**
 * A Service as seen from a sub-environment's namespace (Zadig's
 * `ensureVirtualServiceInGray` and `EnsureDefaultVirtualServiceInGray`): a
 * Service the sub-environment runs takes its own `x-env` requests, and every
 * other request goes to the base's.
 */
export function subVirtualService(sub: SubRoute, baseNamespace: string, k8sService: string, runs: boolean): KubeObject {
  return {
    ...VIRTUAL_SERVICE,
    metadata: { name: virtualServiceName(k8sService), labels: labels(sub.env) },
    spec: {
      hosts: [k8sService],
      http: [...(runs ? [headerRouteTo(k8sService, sub)] : []), routeTo(k8sService, baseNamespace)],
    },
  };
}

/**
 * A base Service the sub-environment does not run, copied into its namespace
 * so that the name resolves there and the sidecar can route it to the base
 * (Zadig's `EnsureDefaultK8sServiceInGray`). Only the name, ports and
 * selector are needed for that: the copy is a ClusterIP Service (headless if
 * the base's is), so it claims no node port or load balancer of its own.
 */
export function serviceCopy(subKey: string, base: ServiceSummary): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: base.name, labels: { ...base.labels, ...labels(subKey) } },
    spec: {
      ...(base.clusterIP === 'None' ? { clusterIP: 'None' } : {}),
      ...(Object.keys(base.selector).length > 0 ? { selector: base.selector } : {}),
      ports: base.ports.map((port) => ({
        ...(port.name === null ? {} : { name: port.name }),
        port: port.port,
        ...(port.targetPort === null ? {} : { targetPort: port.targetPort }),
        protocol: port.protocol,
      })),
    },
  };
}

/** The servers of a portal on the mesh's default ingress gateway (`istio: ingressgateway`). */
export function portalGateway(envKey: string, portal: Portal): KubeObject {
  return {
    ...GATEWAY,
    metadata: { name: portal.gateway, labels: labels(envKey) },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: portal.servers.map((server, index) => ({
        hosts: [server.host],
        port: {
          number: server.port,
          name: `${server.protocol.toLowerCase()}-${server.port}-${index}`,
          protocol: server.protocol,
        },
      })),
    },
  };
}

/**
 * Carries `x-env` from hop to hop without a cache server: a request entering
 * a sidecar with `x-env` gets it added to its W3C `baggage`, which tracing
 * SDKs (OpenTelemetry) pass on to the calls the service makes; on the way out,
 * a call without `x-env` whose baggage holds it gets the header back, so the
 * VirtualServices' header routes can pick the sub-environment. (Zadig's filter
 * keys the header by trace id in its own cache service instead, which a
 * serverless Berth does not have.) One filter serves the whole mesh, shared by
 * every environment of the cluster that has sharing on.
 */
export function envoyFilter(): KubeObject {
  return {
    apiVersion: ENVOY_FILTER.apiVersion,
    kind: ENVOY_FILTER.kind,
    metadata: { name: ENVOY_FILTER.name, labels: { 'app.kubernetes.io/managed-by': 'berth' } },
    spec: {
      configPatches: [
        luaBeforeRouter('SIDECAR_INBOUND', 'berth.share-env.inbound', INBOUND_LUA),
        luaBeforeRouter('SIDECAR_OUTBOUND', 'berth.share-env.outbound', OUTBOUND_LUA),
      ],
    },
  };
}

const luaBeforeRouter = (context: 'SIDECAR_INBOUND' | 'SIDECAR_OUTBOUND', name: string, inlineCode: string) => ({
  applyTo: 'HTTP_FILTER',
  match: {
    context,
    listener: {
      filterChain: {
        filter: {
          name: 'envoy.filters.network.http_connection_manager',
          subFilter: { name: 'envoy.filters.http.router' },
        },
      },
    },
  },
  patch: {
    operation: 'INSERT_BEFORE',
    value: {
      name,
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inlineCode },
    },
  },
});

const INBOUND_LUA = `function envoy_on_request(handle)
  local headers = handle:headers()
  local env = headers:get("${ENV_HEADER}")
  if env == nil or env == "" then return end
  local baggage = headers:get("baggage")
  if baggage == nil or baggage == "" then
    headers:replace("baggage", "${ENV_HEADER}=" .. env)
  elseif not string.find("," .. baggage, ",%s*${ENV_HEADER.replace('-', '%-')}%s*=") then
    headers:replace("baggage", baggage .. ",${ENV_HEADER}=" .. env)
  end
end
`;

const OUTBOUND_LUA = `function envoy_on_request(handle)
  local headers = handle:headers()
  if headers:get("${ENV_HEADER}") ~= nil then return end
  local baggage = headers:get("baggage")
  if baggage == nil then return end
  for member in string.gmatch(baggage, "[^,]+") do
    local key, value = string.match(member, "^%s*([^=%s]+)%s*=%s*([^;%s]+)")
    if key == "${ENV_HEADER}" then
      headers:add("${ENV_HEADER}", value)
      -- The route may already be chosen; Envoy versions without clearRouteCache keep it.
      pcall(function() handle:clearRouteCache() end)
      return
    end
  end
end
`;
