import type { Context } from 'hono';
import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { UnauthorizedError } from '../../core/errors.ts';
import { deployOrderPod, readOrderPod, readOrderPodLog } from '../../core/orders/order-pod.ts';
import { authenticateOrder } from '../../core/orders/order-secret.ts';
import { checkHostPorts } from '../../core/regions/host-ports.ts';
import { listRegions } from '../../core/regions/regions.ts';
import { requireImage } from '../../core/registries/image-check.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type RouteContract, type RouteHandler } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { readBody, validate } from '../http/validation.ts';
import { renderVKubeError } from './errors.ts';
import { otherPath, vKubeRoutes as routes } from './routes.ts';
import { checkPortsView, DeployBody, orderView, PodLogQuery, podStatusView, statusOk } from './views.ts';

export type VKubeDeps = {
  ctx: CoreContext;
  connections: ClusterConnections;
  log?: LogLine;
  /** How long an image check may take, all its registry requests together. */
  registryTimeoutMs?: number;
};

/** The V-Kube dialect: regions, image and host-port checks (open), orders and their pod (the order's secret). */
export function createVKubeApp({ ctx, connections, log, registryTimeoutMs = 5000 }: VKubeDeps) {
  const app = createAppShell({ renderError: renderVKubeError, ctx, ...(log ? { log } : {}) });
  // No route takes a bearer token: the open ones are open, the others take the order's secret.
  const mount = createRouter(app, { authenticate: refuseBearerTokens });
  const route = <C extends RouteContract>(contract: C, handler: RouteHandler<C>) => {
    mount(contract, handler);
    mount(otherPath(contract), handler);
  };

  route(routes.regions, async (c) => c.json(await listRegions({ ctx, connections })));
  route(routes.images, async (c, { query }) => {
    await requireImage({ ctx, image: query, timeoutMs: registryTimeoutMs });
    return c.json(statusOk);
  });
  route(routes.checkPorts, async (c, { body }) =>
    c.json(checkPortsView(await checkHostPorts({ ctx, connections, region: body.region, ports: body.ports }))),
  );
  const orderOf = (c: Context) => authenticateOrder({ ctx, secret: c.req.header('secret') });
  route(routes.order, async (c) => c.json(orderView(await orderOf(c))));
  // The secret first, then the input: a stranger learns nothing from validation errors.
  route(routes.deploy, async (c) => {
    const order = await orderOf(c);
    const request = validate(DeployBody, await readBody(c, ['json']), 'body');
    await deployOrderPod({ ctx, connections, order, request });
    return c.json(statusOk);
  });
  route(routes.podLog, async (c) => {
    const order = await orderOf(c);
    const { container } = validate(PodLogQuery, c.req.query(), 'query');
    return c.json(await readOrderPodLog({ ctx, connections, order, container }));
  });
  route(routes.podStatus, async (c) =>
    c.json(podStatusView((await readOrderPod({ ctx, connections, order: await orderOf(c) })).pod)),
  );

  return app;
}

const refuseBearerTokens = async (): Promise<never> => {
  throw new UnauthorizedError('V-Kube routes take no bearer token');
};
