import type { Context } from 'hono';
import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { EnvConfigName } from '../../core/environments/env-config-schemas.ts';
import {
  addEnvConfig,
  deleteEnvConfig,
  getEnvConfig,
  listEnvConfigs,
  updateEnvConfig,
} from '../../core/environments/env-configs.ts';
import { EnvKey } from '../../core/environments/schemas.ts';
import type { ServiceScope } from '../../core/services/scope.ts';
import { defineRoute, type Route, type RouteContract } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import type { ZadigEnvironmentDeps } from './app.ts';
import { AddEnvConfigInput, EnvConfigQuery, UpdateEnvConfigInput } from './schemas.ts';
import { envConfigChangeFrom, envConfigDetailView, envConfigSummaryView, newEnvConfigFrom, SUCCESS } from './views.ts';

const tags = ['zadig-environment'] as const;
const ProjectKeyQuery = v.object({ projectKey: ProjectKey });
const EnvParams = v.object({ envKey: EnvKey });
const ConfigParams = v.object({ envKey: EnvKey, name: EnvConfigName });
const success = {
  200: { description: 'Applied in the environment’s namespace', example: { message: 'success' } },
} as const;

const gameDemo =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: game-demo\ndata:\n  player_initial_lives: "3"\n  ui_properties_file_name: "user-interface.properties"\n';

/** The envcfg routes of one scope; production's live under `/production`. */
function envConfigRoutesOf(scope: ServiceScope) {
  const base = scope === 'production' ? '/openapi/environments/production' : '/openapi/environments';
  const what = scope === 'production' ? 'production environment' : 'test environment';
  return {
    addEnvConfig: defineRoute({
      method: 'post',
      path: `${base}/:envKey/envcfgs`,
      summary: `Add a configuration (ConfigMap, Secret, Ingress, PVC) to a ${what}; applied to its namespace at once`,
      tags,
      access: 'token',
      params: EnvParams,
      query: ProjectKeyQuery,
      body: AddEnvConfigInput,
      responses: success,
    }),
    listEnvConfigs: defineRoute({
      method: 'get',
      path: `${base}/:envKey/envcfgs`,
      summary: `List the configurations of one type Berth manages in a ${what}; in_cluster is false for one deleted behind Berth's back`,
      tags,
      access: 'token',
      params: EnvParams,
      query: EnvConfigQuery,
      responses: {
        200: {
          description: 'The configurations',
          example: [
            {
              name: 'game-demo',
              env_name: 'dev',
              project_name: 'simple-demo',
              common_env_cfg_type: 'ConfigMap',
              update_time: 1687259964,
              in_cluster: true,
            },
          ],
        },
      },
    }),
    getEnvConfig: defineRoute({
      method: 'get',
      path: `${base}/:envKey/envcfg/:name`,
      summary: `A configuration of a ${what}, its YAML read back from the cluster (under configMap_detail, secret_detail, ingress_detail or pvc_detail)`,
      tags,
      access: 'token',
      params: ConfigParams,
      query: EnvConfigQuery,
      responses: {
        200: {
          description: 'The configuration',
          example: {
            configMap_detail: {
              name: 'game-demo',
              common_env_cfg_type: 'ConfigMap',
              created_time: 1686225615,
              env_key: 'dev',
              product_key: 'simple-demo',
              yaml_data: gameDemo,
            },
          },
        },
      },
    }),
    updateEnvConfig: defineRoute({
      method: 'put',
      path: `${base}/envcfgs`,
      summary: `Apply a ${what} configuration's new YAML (the environment is env_key in the body)`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      body: UpdateEnvConfigInput,
      responses: success,
    }),
    deleteEnvConfig: defineRoute({
      method: 'delete',
      path: `${base}/:envKey/envcfg/:name`,
      summary: `Delete a configuration from a ${what} and its namespace`,
      tags,
      access: 'token',
      params: ConfigParams,
      query: EnvConfigQuery,
      responses: { 200: { description: 'Deleted (the spec’s numeric message)', example: { message: 200 } } },
    }),
  };
}

export const envConfigRoutesByScope = { production: envConfigRoutesOf('production'), test: envConfigRoutesOf('test') };

/** Every envcfg contract, named `<scope>.<verb>` like the other environment routes, for the OpenAPI document. */
export const envConfigRoutes: Record<string, RouteContract> = Object.fromEntries(
  (['production', 'test'] as const).flatMap((scope) =>
    Object.entries(envConfigRoutesByScope[scope]).map(([name, contract]) => [`${scope}.${name}`, contract]),
  ),
);

/**
 * Mounts the envcfg routes. Mount before the environment routes: `PUT
 * /openapi/environments/envcfgs` would otherwise be read as editing an
 * environment named "envcfgs" (and `.../production/envcfgs` a production one).
 * Production first, as everywhere: `/production/...` is never a test
 * environment named "production".
 */
export function mountEnvConfigRoutes(
  route: Route,
  { ctx, connections }: Pick<ZadigEnvironmentDeps, 'ctx' | 'connections'>,
): void {
  const ref = (c: Context<BerthEnv>, scope: ServiceScope, projectKey: string) => ({
    ctx,
    connections,
    principal: c.get('principal'),
    scope,
    projectKey,
  });
  for (const scope of ['production', 'test'] as const) {
    const routes = envConfigRoutesByScope[scope];
    route(routes.updateEnvConfig, async (c, { query, body }) => {
      await updateEnvConfig({ ...ref(c, scope, query.projectKey), ...envConfigChangeFrom(body) });
      return c.json(SUCCESS);
    });
    route(routes.addEnvConfig, async (c, { params, query, body }) => {
      await addEnvConfig({ ...ref(c, scope, query.projectKey), envKey: params.envKey, input: newEnvConfigFrom(body) });
      return c.json(SUCCESS);
    });
    route(routes.listEnvConfigs, async (c, { params, query }) => {
      const configs = await listEnvConfigs({
        ...ref(c, scope, query.projectKey),
        envKey: params.envKey,
        type: query.type,
      });
      return c.json(configs.map(envConfigSummaryView));
    });
    route(routes.getEnvConfig, async (c, { params, query }) => {
      const detail = await getEnvConfig({
        ...ref(c, scope, query.projectKey),
        envKey: params.envKey,
        type: query.type,
        name: params.name,
      });
      // The YAML may be a Secret's: no cache on the way keeps it.
      c.header('cache-control', 'no-store');
      return c.json(envConfigDetailView(detail));
    });
    route(routes.deleteEnvConfig, async (c, { params, query }) => {
      await deleteEnvConfig({
        ...ref(c, scope, query.projectKey),
        envKey: params.envKey,
        type: query.type,
        name: params.name,
      });
      return c.json({ message: 200 });
    });
  }
}
