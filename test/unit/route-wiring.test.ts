import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.ts';
import { createAppShell } from '../../functions/http/app-shell.ts';
import { createRouter, type RouteContract } from '../../functions/http/contract.ts';
import { renderZadigError } from '../../functions/zadig/errors.ts';
import { envConfigRoutesByScope } from '../../functions/zadig-environment/env-config-routes.ts';
import { logRoutes } from '../../functions/zadig-environment/log-routes.ts';
import { environmentRoutesByScope, zadigEnvironmentRoutes } from '../../functions/zadig-environment/routes.ts';
import { call } from '../support/http.ts';
import { declared, declaredRoutes, shadowedRoutes, unroutedRoutes } from '../support/route-wiring.ts';

const environmentGroup = Object.entries(zadigEnvironmentRoutes).map(([name, contract]) =>
  declared('zadig-environment', name, contract),
);

/**
 * An app shaped as the group apps are (the Zadig shell, the contract router),
 * mounting `contracts` in order; every route answers its own 404, as a route
 * asked for an environment that does not exist does.
 */
function appMounting(contracts: RouteContract[]) {
  const app = createAppShell({ renderError: renderZadigError, ctx: null, log: () => {} });
  const route = createRouter(app, {
    authenticate: async () => ({ tokenId: 'unit', name: 'unit', role: 'admin', projects: undefined }),
  });
  for (const contract of contracts)
    route(contract, () => {
      throw new NotFoundError('environment', 'sample-envKey');
    });
  return app;
}

describe('the route wiring check', () => {
  it('names the contracts of a mount that was left out, and takes a route’s own 404 for a route', async () => {
    const withoutLogs = appMounting(
      Object.values(zadigEnvironmentRoutes).filter((contract) => contract !== logRoutes.containerLogs),
    );
    const statuses: number[] = [];
    const problems = await unroutedRoutes(environmentGroup, async ({ method, path }) => {
      const answer = await call(withoutLogs, path, { method });
      statuses.push(answer.status);
      return answer;
    });
    // Besides the missing route, routes whose sample request passes validation answered their own 404: no problem.
    expect(statuses.filter((status) => status === 404).length).toBeGreaterThan(1);
    expect(problems).toEqual([
      'zadig-environment.containerLogs (GET /openapi/logs/sse/pods/sample-pod/containers/sample-container): no route (404)',
    ]);
  });

  it('names a contract whose requests a route mounted before it answers', () => {
    const { edit } = environmentRoutesByScope.test;
    const { updateEnvConfig } = envConfigRoutesByScope.test;
    const app = appMounting([edit, updateEnvConfig]);
    const routes = [
      declared('zadig-environment', 'edit', edit),
      declared('zadig-environment', 'update', updateEnvConfig),
    ];
    expect(shadowedRoutes(routes, () => app)).toEqual([
      'zadig-environment.update (PUT /openapi/environments/envcfgs): answered by PUT /openapi/environments/:envKey, mounted before it',
    ]);
    expect(shadowedRoutes(routes, () => appMounting([updateEnvConfig, edit]))).toEqual([]);
  });

  it('names a contract the Router would send to another group', async () => {
    const stray = declared('admin', 'stray', { ...environmentRoutesByScope.test.list, path: '/openapi/environments' });
    expect(await unroutedRoutes([stray], () => Promise.reject(new Error('never sent')))).toEqual([
      'admin.stray (GET /openapi/environments): the Router sends it to zadig-environment',
    ]);
  });
});

describe('the declared routes', () => {
  it('declare each method and path once: a second contract for the same request could never be reached', () => {
    const requests = declaredRoutes.map((route) => `${route.method} ${route.contract.path}`);
    expect(requests.filter((request, index) => requests.indexOf(request) !== index)).toEqual([]);
  });
});
