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
import type { ServiceScope } from '../../core/services/scope.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import type { LogLine } from '../http/request-log.ts';
import { zadigErrorRenderer } from '../zadig/errors.ts';
import { environmentRoutesByScope, operationRoutes, SCOPES } from './routes.ts';
import {
  acceptedView,
  addServicesFrom,
  deleteServicesFrom,
  environmentChangeFrom,
  environmentDetailView,
  environmentSummaryView,
  globalValuesFrom,
  globalsUpdatedView,
  globalVariablesView,
  newEnvironmentFrom,
  operationView,
  updateServicesFrom,
  wireField,
} from './views.ts';
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

/** Zadig's OpenAPI for environments (K8s YAML projects), test and production, and their operations. */
export function createZadigEnvironmentApp(deps: LogRouteDeps) {
  const { ctx, connections, authenticate, log } = deps;
  const app = createAppShell({ renderError: zadigErrorRenderer(wireField), ctx, ...(log ? { log } : {}) });
  const route = createRouter(app, { authenticate });
  const ref = (c: Context<BerthEnv>, scope: ServiceScope, projectKey: string, envKey: string) => ({
    ctx,
    principal: c.get('principal'),
    scope,
    projectKey,
    envKey,
  });

  route(operationRoutes.getOperation, async (c, { params }) =>
    c.json(operationView(await getOperation({ ctx, principal: c.get('principal'), id: params.id }))),
  );
  route(operationRoutes.retryOperation, async (c, { params }) =>
    c.json(acceptedView(await retryOperation({ ctx, principal: c.get('principal'), id: params.id }))),
  );

  // Before the environment routes: `PUT /openapi/environments/envcfgs` is not an edit of an environment "envcfgs".
  mountEnvConfigRoutes(route, { ctx, connections });
  mountSubEnvRoutes(route, { ctx, connections });
  mountLogRoutes(route, deps);

  // Production first: `/openapi/environments/production/...` must never be read as a test environment named "production".
  for (const scope of SCOPES) {
    const routes = environmentRoutesByScope[scope];
    route(routes.list, async (c, { query }) => {
      const environments = await listEnvironments({
        ctx,
        principal: c.get('principal'),
        projectKey: query.projectKey,
        scope,
      });
      return c.json(environments.map(environmentSummaryView));
    });
    route(routes.create, async (c, { query, body }) => {
      const result = await createEnvironment({
        ctx,
        principal: c.get('principal'),
        projectKey: query.projectKey,
        scope,
        input: newEnvironmentFrom(body),
      });
      return c.json(acceptedView(result));
    });
    route(routes.serviceYaml, async (c, { query }) =>
      c.text(
        await getEnvServiceYaml({ ...ref(c, scope, query.projectKey, query.envName), serviceName: query.serviceName }),
      ),
    );
    route(routes.addServices, async (c, { query, body }) => {
      const { envKey, ...input } = addServicesFrom(body);
      return c.json(acceptedView(await addEnvServices({ ...ref(c, scope, query.projectKey, envKey), ...input })));
    });
    route(routes.deleteServices, async (c, { query, body }) => {
      const { envKey, ...input } = deleteServicesFrom(body);
      return c.json(acceptedView(await deleteEnvServices({ ...ref(c, scope, query.projectKey, envKey), ...input })));
    });
    route(routes.detail, async (c, { params, query }) =>
      c.json(
        environmentDetailView(await getEnvironment({ ...ref(c, scope, query.projectKey, params.envKey), connections })),
      ),
    );
    route(routes.edit, async (c, { params, query, body }) => {
      const result = await editEnvironment({
        ...ref(c, scope, query.projectKey, params.envKey),
        input: environmentChangeFrom(body),
      });
      return c.json(acceptedView(result));
    });
    route(routes.remove, async (c, { params, query }) => {
      const result = await deleteEnvironment({
        ...ref(c, scope, query.projectKey, params.envKey),
        deleteResources: query.isDelete,
      });
      return c.json(acceptedView(result));
    });
    route(routes.updateServices, async (c, { params, query, body }) => {
      const result = await updateEnvServices({
        ...ref(c, scope, query.projectKey, params.envKey),
        ...updateServicesFrom(body),
      });
      return c.json(acceptedView(result));
    });
    route(routes.globals, async (c, { params, query }) =>
      c.json(globalVariablesView(await getGlobalVariables(ref(c, scope, query.projectKey, params.envKey)))),
    );
    route(routes.updateGlobals, async (c, { params, query, body }) => {
      const result = await updateGlobalVariables({
        ...ref(c, scope, query.projectKey, params.envKey),
        ...globalValuesFrom(body),
      });
      return c.json(globalsUpdatedView(result));
    });
  }
  // After the routes above: `/production/services/yaml` must not be read as the test service "yaml" of an environment "production".
  mountWorkloadRoutes(route, { ctx, connections, authenticate });
  return app;
}
