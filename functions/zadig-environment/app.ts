import type { Context } from 'hono';
import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { addEnvServices, deleteEnvServices, updateEnvServices } from '../../core/environments/env-services.ts';
import { getGlobalVariables, updateGlobalVariables } from '../../core/environments/global-variables.ts';
import {
  createEnvironment,
  deleteEnvironment,
  editEnvironment,
  retryOperation,
} from '../../core/environments/manage-environments.ts';
import { getOperation } from '../../core/environments/operation-item.ts';
import { getEnvServiceYaml, getEnvironment, listEnvironments } from '../../core/environments/read-environments.ts';
import type { ServiceScope } from '../../core/store/keys.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import type { LogLine } from '../http/request-log.ts';
import { renderZadigError } from '../zadig/errors.ts';
import { environmentRoutesByScope, operationRoutes, SCOPES } from './routes.ts';
import { mountWorkloadRoutes } from './workload-routes.ts';
import { mountEnvConfigRoutes } from './env-config-routes.ts';
import { mountSubEnvRoutes } from './sub-env-routes.ts';
import { mountLogRoutes, type LogRouteDeps } from './log-routes.ts';

export type ZadigEnvironmentDeps = {
  ctx: CoreContext;
  connections: ClusterConnections;
  authenticate: Authenticate;
  log?: LogLine;
};

/** The documented `{"message":"success"}`, with the operation that carries the change out. */
const accepted = (c: Context<BerthEnv>, result: { operationId?: string }) =>
  c.json({ message: 'success', ...(result.operationId ? { operation_id: result.operationId } : {}) });

/** Zadig's OpenAPI for environments (K8s YAML projects), test and production, and their operations. */
export function createZadigEnvironmentApp(deps: LogRouteDeps) {
  const { ctx, connections, authenticate, log } = deps;
  const app = createAppShell({ renderError: renderZadigError, ...(log ? { log } : {}) });
  const route = createRouter(app, { authenticate });
  const ref = (c: Context<BerthEnv>, scope: ServiceScope, projectKey: string, envKey: string) => ({
    ctx,
    principal: c.get('principal'),
    scope,
    projectKey,
    envKey,
  });

  route(operationRoutes.getOperation, async (c, { params }) =>
    c.json(await getOperation({ ctx, principal: c.get('principal'), id: params.id })),
  );
  route(operationRoutes.retryOperation, async (c, { params }) =>
    accepted(c, await retryOperation({ ctx, principal: c.get('principal'), id: params.id })),
  );

  // Before the environment routes: `PUT /openapi/environments/envcfgs` is not an edit of an environment "envcfgs".
  mountEnvConfigRoutes(route, { ctx, connections });
  mountSubEnvRoutes(route, { ctx, connections });
  mountLogRoutes(route, deps);

  // Production first: `/openapi/environments/production/...` must never be read as a test environment named "production".
  for (const scope of SCOPES) {
    const routes = environmentRoutesByScope[scope];
    route(routes.list, async (c, { query }) =>
      c.json(await listEnvironments({ ctx, principal: c.get('principal'), projectKey: query.projectKey, scope })),
    );
    route(routes.create, async (c, { query, body }) =>
      accepted(
        c,
        await createEnvironment({
          ctx,
          principal: c.get('principal'),
          projectKey: query.projectKey,
          scope,
          input: body,
        }),
      ),
    );
    route(routes.serviceYaml, async (c, { query }) =>
      c.text(
        await getEnvServiceYaml({ ...ref(c, scope, query.projectKey, query.envName), serviceName: query.serviceName }),
      ),
    );
    route(routes.addServices, async (c, { query, body }) =>
      accepted(
        c,
        await addEnvServices({ ...ref(c, scope, query.projectKey, body.env_key), services: body.service_list }),
      ),
    );
    route(routes.deleteServices, async (c, { query, body }) =>
      accepted(
        c,
        await deleteEnvServices({
          ...ref(c, scope, query.projectKey, body.env_key),
          serviceNames: body.service_names,
          keepResources: body.not_delete_resource,
        }),
      ),
    );
    route(routes.detail, async (c, { params, query }) =>
      c.json(await getEnvironment({ ...ref(c, scope, query.projectKey, params.envKey), connections })),
    );
    route(routes.edit, async (c, { params, query, body }) =>
      accepted(c, await editEnvironment({ ...ref(c, scope, query.projectKey, params.envKey), input: body })),
    );
    route(routes.remove, async (c, { params, query }) =>
      accepted(
        c,
        await deleteEnvironment({ ...ref(c, scope, query.projectKey, params.envKey), deleteResources: query.isDelete }),
      ),
    );
    route(routes.updateServices, async (c, { params, query, body }) =>
      accepted(
        c,
        await updateEnvServices({ ...ref(c, scope, query.projectKey, params.envKey), services: body.service_list }),
      ),
    );
    route(routes.globals, async (c, { params, query }) =>
      c.json(await getGlobalVariables(ref(c, scope, query.projectKey, params.envKey))),
    );
    route(routes.updateGlobals, async (c, { params, query, body }) => {
      const result = await updateGlobalVariables({
        ...ref(c, scope, query.projectKey, params.envKey),
        values: body.global_variables,
      });
      return c.json({
        message: 'success',
        ...(result.operationId ? { operation_id: result.operationId } : {}),
        related_services: result.reapplied,
      });
    });
  }
  // After the routes above: `/production/services/yaml` must not be read as the test service "yaml" of an environment "production".
  mountWorkloadRoutes(route, { ctx, connections, authenticate });
  return app;
}
