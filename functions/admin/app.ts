import { createToken, deleteToken, listTokens } from '../../core/auth/tokens.ts';
import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import {
  clusterHealth,
  deleteCluster,
  getCluster,
  listClusters,
  updateCluster,
} from '../../core/clusters/manage-clusters.ts';
import { registerCluster } from '../../core/clusters/register-cluster.ts';
import { createOrder, deleteOrder, listOrders } from '../../core/orders/manage-orders.ts';
import type { CoreContext } from '../../core/context.ts';
import {
  deleteRegistry,
  getRegistry,
  listRegistries,
  registryHealth,
} from '../../core/registries/manage-registries.ts';
import {
  getDefaultRegistry,
  setDefaultRegistry,
  type DefaultRegistry,
} from '../../core/registries/default-registry.ts';
import { registerRegistry } from '../../core/registries/register-registry.ts';
import type { OutboundPolicy } from '../../core/webhooks/address-guard.ts';
import { mountHookAdmin } from '../hooks/admin.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { adminOrderView } from '../v-kube/views.ts';
import { renderZadigError } from '../zadig/errors.ts';
import { adminRoutes as routes } from './routes.ts';

export type AdminDeps = {
  ctx: CoreContext;
  connections: ClusterConnections;
  authenticate: Authenticate;
  log?: LogLine;
  /** How long a registry health check may take, all its requests together. */
  registryTimeoutMs?: number;
  /** Where outbound webhook subscriptions may point. */
  outbound: OutboundPolicy;
  /** The registry ote-stack's image repository is (`BERTH_OTE_REGISTRY`): it cannot be deleted. */
  oteRepositoryRegistry?: string;
};

/** Berth's own administration: API tokens, clusters, image registries and V-Kube orders. Errors use Zadig's envelope. */
export function createAdminApp({
  ctx,
  connections,
  authenticate,
  log,
  registryTimeoutMs = 5000,
  outbound,
  oteRepositoryRegistry,
}: AdminDeps) {
  const app = createAppShell({ renderError: renderZadigError, ctx, ...(log ? { log } : {}) });
  const route = createRouter(app, { authenticate });

  route(routes.createToken, async (c, { body }) => c.json(await createToken({ ctx, input: body }), 201));
  route(routes.listTokens, async (c, { query }) => c.json(pageBody(await listTokens({ ctx, ...query }))));
  route(routes.deleteToken, async (c, { params }) => {
    await deleteToken({ ctx, id: params.id });
    return c.body(null, 204);
  });

  route(routes.registerCluster, async (c, { body }) => c.json(await registerCluster({ ctx, input: body }), 201));
  route(routes.listClusters, async (c, { query }) => c.json(pageBody(await listClusters({ ctx, ...query }))));
  route(routes.getCluster, async (c, { params }) => c.json(await getCluster({ ctx, id: params.id })));
  route(routes.updateCluster, async (c, { params, body }) =>
    c.json(await updateCluster({ ctx, connections, id: params.id, input: body })),
  );
  route(routes.deleteCluster, async (c, { params }) => {
    await deleteCluster({ ctx, connections, id: params.id });
    return c.body(null, 204);
  });
  route(routes.clusterHealth, async (c, { params }) =>
    c.json(await clusterHealth({ ctx, connections, id: params.id })),
  );

  route(routes.registerRegistry, async (c, { body }) => c.json(await registerRegistry({ ctx, input: body }), 201));
  route(routes.listRegistries, async (c, { query }) => c.json(pageBody(await listRegistries({ ctx, ...query }))));
  route(routes.getRegistry, async (c, { params }) => c.json(await getRegistry({ ctx, id: params.id })));
  route(routes.deleteRegistry, async (c, { params }) => {
    await deleteRegistry({ ctx, id: params.id, oteRepositoryRegistry });
    return c.body(null, 204);
  });
  route(routes.registryHealth, async (c, { params }) =>
    c.json(await registryHealth({ ctx, id: params.id, timeoutMs: registryTimeoutMs })),
  );
  route(routes.setDefaultRegistry, async (c, { body }) =>
    c.json(defaultRegistryBody(await setDefaultRegistry({ ctx, registryId: body.registry_id }))),
  );
  route(routes.getDefaultRegistry, async (c) => c.json(defaultRegistryBody(await getDefaultRegistry({ ctx }))));

  route(routes.createOrder, async (c, { body }) => {
    const { order, secret } = await createOrder({ ctx, connections, input: body });
    return c.json({ ...adminOrderView(order), secret }, 201);
  });
  route(routes.listOrders, async (c, { query }) => {
    const page = await listOrders({ ctx, ...query });
    return c.json(pageBody({ ...page, items: page.items.map(adminOrderView) }));
  });
  route(routes.deleteOrder, async (c, { params }) => {
    await deleteOrder({ ctx, connections, id: params.id });
    return c.body(null, 204);
  });

  mountHookAdmin(route, { ctx, connections, outbound });

  return app;
}

const defaultRegistryBody = (marked: DefaultRegistry) => ({
  registry_id: marked.registryId,
  updated_at: marked.updatedAt,
});

const pageBody = <T>(page: { items: T[]; cursor?: string }) => ({
  items: page.items,
  next_cursor: page.cursor ?? null,
});
