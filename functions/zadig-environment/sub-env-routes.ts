import type { Context } from 'hono';
import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { EnvKey } from '../../core/environments/schemas.ts';
import { getPortal, setPortal } from '../../core/environments/sub-environment-portal.ts';
import { ShareOp } from '../../core/environments/sub-environment-schemas.ts';
import {
  checkSharingReady,
  checkWorkloadServices,
  disableSharing,
  enableSharing,
} from '../../core/environments/sub-environments.ts';
import { ServiceName } from '../../core/services/schemas.ts';
import { defineRoute, type Route } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import type { ZadigEnvironmentDeps } from './app.ts';
import { SetPortalInput } from './schemas.ts';
import { entryServiceView, portalServersFrom, SUCCESS, shareReadinessView } from './views.ts';

const tags = ['zadig-environment'] as const;
const ProjectKeyQuery = v.object({ projectKey: ProjectKey });
const EnvParams = v.object({ envKey: EnvKey });
const PortalParams = v.object({ envKey: EnvKey, serviceName: ServiceName });
const success = { 200: { description: 'Done in the cluster', example: { message: 'success' } } } as const;
const portalExample = [
  { host: 'zcms-a-b1.8slan.com', port_number: 80, port_protocol: 'HTTP' },
  { host: 'a.zicemoshi-helm-env-dev', port_number: 80, port_protocol: 'HTTP' },
];

const checkWorkloads = (path: string, summary: string) =>
  defineRoute({
    method: 'get',
    path,
    summary,
    tags,
    access: 'token',
    params: EnvParams,
    query: ProjectKeyQuery,
    responses: {
      200: {
        description: 'The workloads without a Service, as `<name>.<Kind>`, sorted',
        example: ['service1.Deployment', 'service2.Deployment'],
      },
    },
  });

/** Zadig's "Sub Environment" routes: test environments only, as in Zadig. */
export const subEnvRoutes = {
  checkWorkloadServices: checkWorkloads(
    '/openapi/environments/:envKey/check/workloads/k8sservices',
    'The Deployments and StatefulSets of a test environment that no Kubernetes Service selects (they cannot be shared)',
  ),
  // Zadig's own server spells the segment `k8services`; scripts written against it keep working.
  checkWorkloadServicesZadigSpelling: checkWorkloads(
    '/openapi/environments/:envKey/check/workloads/k8services',
    'Same as `.../check/workloads/k8sservices`, under the spelling Zadig’s server answers to',
  ),
  enableSharing: defineRoute({
    method: 'post',
    path: '/openapi/environments/:envKey/share/enable',
    summary:
      'Make a test environment a shareable base: its namespace gets istio-injection=enabled, each Service a VirtualService, the mesh the x-env EnvoyFilter (in istio-system); workloads without the sidecar restart. Idempotent',
    tags,
    access: 'token',
    params: EnvParams,
    query: ProjectKeyQuery,
    responses: success,
  }),
  disableSharing: defineRoute({
    method: 'delete',
    path: '/openapi/environments/:envKey/share/enable',
    summary:
      'Stop sharing a test environment: remove what enabling created (VirtualServices, portal Gateways), restore the namespace label, remove the EnvoyFilter once no namespace shares; workloads with an injected sidecar restart. Idempotent',
    tags,
    access: 'token',
    params: EnvParams,
    query: ProjectKeyQuery,
    responses: success,
  }),
  checkSharingReady: defineRoute({
    method: 'get',
    path: '/openapi/environments/:envKey/check/sharenv/:op/ready',
    summary:
      'Whether enabling (op=enable) or disabling (op=disable) sharing has taken effect, with each check read from the cluster',
    tags,
    access: 'token',
    params: v.object({ envKey: EnvKey, op: ShareOp }),
    query: ProjectKeyQuery,
    responses: {
      200: {
        description: 'Readiness and its checks',
        example: {
          is_ready: true,
          checks: {
            namespace_has_istio_label: false,
            virtualservice_deployed: false,
            pods_have_istio_proxy: false,
            workloads_ready: true,
            workloads_have_k8s_service: true,
          },
        },
      },
    },
  }),
  getPortal: defineRoute({
    method: 'get',
    path: '/openapi/environments/:envKey/share/portal/:serviceName',
    summary:
      'The entry service of a shared test environment: the servers last set, and the mesh ingress gateway’s address ("" when it has none)',
    tags,
    access: 'token',
    params: PortalParams,
    query: ProjectKeyQuery,
    responses: {
      200: {
        description: 'The entry service',
        example: { default_gateway_address: '81.69.166.47', servers: portalExample },
      },
    },
  }),
  setPortal: defineRoute({
    method: 'post',
    path: '/openapi/environments/:envKey/share/portal/:serviceName',
    summary:
      'Set the entry service of a shared test environment: an Istio Gateway with these servers, routed to the service; an empty list removes it',
    tags,
    access: 'token',
    params: PortalParams,
    query: ProjectKeyQuery,
    body: SetPortalInput,
    responses: success,
  }),
};

/**
 * Mounts the sub-environment routes. Their paths share no shape with the
 * other environment routes (fixed segments `check`, `share` after the key), so
 * the mount order does not matter; a test environment key can never be
 * `production` (reserved), so `/production/share/...` is a 400, never a
 * production environment.
 */
export function mountSubEnvRoutes(
  route: Route,
  { ctx, connections }: Pick<ZadigEnvironmentDeps, 'ctx' | 'connections'>,
): void {
  const ref = (c: Context<BerthEnv>, projectKey: string, envKey: string) => ({
    ctx,
    connections,
    principal: c.get('principal'),
    projectKey,
    envKey,
  });
  route(subEnvRoutes.checkWorkloadServices, async (c, { params, query }) =>
    c.json(await checkWorkloadServices(ref(c, query.projectKey, params.envKey))),
  );
  route(subEnvRoutes.checkWorkloadServicesZadigSpelling, async (c, { params, query }) =>
    c.json(await checkWorkloadServices(ref(c, query.projectKey, params.envKey))),
  );
  route(subEnvRoutes.enableSharing, async (c, { params, query }) => {
    await enableSharing(ref(c, query.projectKey, params.envKey));
    return c.json(SUCCESS);
  });
  route(subEnvRoutes.disableSharing, async (c, { params, query }) => {
    await disableSharing(ref(c, query.projectKey, params.envKey));
    return c.json(SUCCESS);
  });
  route(subEnvRoutes.checkSharingReady, async (c, { params, query }) =>
    c.json(shareReadinessView(await checkSharingReady({ ...ref(c, query.projectKey, params.envKey), op: params.op }))),
  );
  route(subEnvRoutes.getPortal, async (c, { params, query }) =>
    c.json(
      entryServiceView(
        await getPortal({ ...ref(c, query.projectKey, params.envKey), serviceName: params.serviceName }),
      ),
    ),
  );
  route(subEnvRoutes.setPortal, async (c, { params, query, body }) => {
    await setPortal({
      ...ref(c, query.projectKey, params.envKey),
      serviceName: params.serviceName,
      servers: portalServersFrom(body),
    });
    return c.json(SUCCESS);
  });
}
