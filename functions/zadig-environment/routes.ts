import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { EnvKey } from '../../core/environments/schemas.ts';
import { ServiceName } from '../../core/services/schemas.ts';
import type { ServiceScope } from '../../core/services/scope.ts';
import { defineRoute } from '../http/contract.ts';
import { envConfigRoutes } from './env-config-routes.ts';
import { subEnvRoutes } from './sub-env-routes.ts';
import { logRoutes } from './log-routes.ts';
import {
  AddEnvServicesInput,
  CreateEnvironmentInput,
  DeleteEnvServicesInput,
  EditEnvironmentInput,
  EditTestEnvironmentInput,
  UpdateEnvServicesInput,
  UpdateGlobalVariablesInput,
} from './schemas.ts';
import { workloadRoutes } from './workload-routes.ts';

const tags = ['zadig-environment'] as const;
const ProjectKeyQuery = v.object({ projectKey: ProjectKey });
const EnvParams = v.object({ envKey: EnvKey });
const accepted = {
  200: {
    description: 'Recorded; the operation carries it out',
    example: { message: 'success', operation_id: 'k3v9x2ab0c1d' },
  },
} as const;
const BooleanText = v.pipe(
  v.picklist(['true', 'false'], 'must be true or false'),
  v.transform((value) => value === 'true'),
);

const exampleSummary = {
  env_name: 'dev',
  env_key: 'dev',
  cluster_id: 'local',
  namespace: 'simple-demo-env-dev',
  production: false,
  registry_id: 'harbor',
  status: 'success',
  update_by: 'admin',
  update_time: 1690186199,
};

/** The environment routes of one scope; production's live under `/production`. */
function environmentRoutes(scope: ServiceScope) {
  const base = scope === 'production' ? '/openapi/environments/production' : '/openapi/environments';
  const what = scope === 'production' ? 'production environment' : 'test environment';
  return {
    list: defineRoute({
      method: 'get',
      path: base,
      summary: `List the ${what}s of a project`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      responses: { 200: { description: 'The environments', example: [exampleSummary] } },
    }),
    create: defineRoute({
      method: 'post',
      path: base,
      summary: `Create a ${what} (K8s YAML project); applied asynchronously`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      body: CreateEnvironmentInput,
      responses: accepted,
    }),
    detail: defineRoute({
      method: 'get',
      path: `${base}/:envKey`,
      summary: `Read a ${what} with its services and their status`,
      tags,
      access: 'token',
      params: EnvParams,
      query: ProjectKeyQuery,
      responses: { 200: { description: 'The environment' } },
    }),
    edit: defineRoute({
      method: 'put',
      path: `${base}/:envKey`,
      summary: `Change a ${what}'s registry${scope === 'production' ? ' or alias' : ''}`,
      tags,
      access: 'token',
      params: EnvParams,
      query: ProjectKeyQuery,
      body: scope === 'production' ? EditEnvironmentInput : EditTestEnvironmentInput,
      responses: accepted,
    }),
    remove: defineRoute({
      method: 'delete',
      path: `${base}/:envKey`,
      summary: `Delete a ${what}; with isDelete=true what Berth applied goes too, and the namespace if Berth created it`,
      tags,
      access: 'token',
      params: EnvParams,
      query: v.object({
        projectKey: ProjectKey,
        isDelete: scope === 'production' ? v.optional(BooleanText, 'false') : BooleanText,
      }),
      responses: accepted,
    }),
    addServices: defineRoute({
      method: 'post',
      path: `${base}/service/yaml`,
      summary: `Add services to a ${what}`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      body: AddEnvServicesInput,
      responses: accepted,
    }),
    updateServices: defineRoute({
      method: 'put',
      path: `${base}/:envKey/services`,
      summary: `Change a ${what}'s values for its services`,
      tags,
      access: 'token',
      params: EnvParams,
      query: ProjectKeyQuery,
      body: UpdateEnvServicesInput,
      responses: accepted,
    }),
    deleteServices: defineRoute({
      method: 'delete',
      path: `${base}/service/yaml`,
      summary: `Remove services from a ${what}`,
      tags,
      access: 'token',
      query: ProjectKeyQuery,
      body: DeleteEnvServicesInput,
      responses: accepted,
    }),
    globals: defineRoute({
      method: 'get',
      path: `${base}/:envKey/variable`,
      summary: `Read a ${what}'s global variables`,
      tags,
      access: 'token',
      params: EnvParams,
      query: ProjectKeyQuery,
      responses: {
        200: {
          description: 'The global variables',
          example: [
            {
              key: 'cpuLimit',
              value: '1000m',
              type: 'string',
              options: [],
              desc: 'CPU Limit',
              related_services: ['service1', 'service2'],
            },
          ],
        },
      },
    }),
    updateGlobals: defineRoute({
      method: 'put',
      path: `${base}/:envKey/variable`,
      summary: `Change a ${what}'s global variables; the services that take a changed value are applied again`,
      tags,
      access: 'token',
      params: EnvParams,
      query: ProjectKeyQuery,
      body: UpdateGlobalVariablesInput,
      responses: accepted,
    }),
    serviceYaml: defineRoute({
      method: 'get',
      path: `${base}/services/yaml`,
      summary: `The YAML last applied for a service of a ${what} (raw text)`,
      tags,
      access: 'token',
      query: v.object({ projectKey: ProjectKey, envName: EnvKey, serviceName: ServiceName }),
      responses: { 200: { description: 'YAML text', example: 'apiVersion: apps/v1\nkind: Deployment\n...' } },
    }),
  };
}

export const operationRoutes = {
  getOperation: defineRoute({
    method: 'get',
    path: '/openapi/operations/:id',
    summary: 'An environment operation: its state, and each service’s result and error',
    tags,
    access: 'token',
    params: v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) }),
    responses: {
      200: {
        description: 'The operation',
        example: {
          operation_id: 'k3v9x2ab0c1d',
          kind: 'create-environment',
          state: 'success',
          services: [{ service_name: 'service2', outcome: 'applied', message: null, objects: [] }],
        },
      },
    },
  }),
  retryOperation: defineRoute({
    method: 'post',
    path: '/openapi/operations/:id/retry',
    summary: 'Run a failed (or abandoned) operation again',
    tags,
    access: 'token',
    params: v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) }),
    responses: accepted,
  }),
};

export const SCOPES = ['production', 'test'] as const satisfies readonly ServiceScope[];
export const environmentRoutesByScope = {
  production: environmentRoutes('production'),
  test: environmentRoutes('test'),
};

const flatten = (scope: ServiceScope) =>
  Object.fromEntries(
    Object.entries(environmentRoutesByScope[scope]).map(([name, contract]) => [`${scope}.${name}`, contract]),
  );

export const zadigEnvironmentRoutes = {
  ...flatten('production'),
  ...flatten('test'),
  ...operationRoutes,
  ...workloadRoutes,
  ...envConfigRoutes,
  ...subEnvRoutes,
  ...logRoutes,
};
