import type { Context } from 'hono';
import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { getEnvServiceDetail, listEnvServicePods } from '../../core/environments/read-environments.ts';
import { EnvKey } from '../../core/environments/schemas.ts';
import {
  listEnvEvents,
  restartEnvPod,
  restartEnvService,
  scaleEnvWorkload,
  setEnvImage,
} from '../../core/environments/workload-actions.ts';
import { ServiceName } from '../../core/services/schemas.ts';
import { scopeOf } from '../../core/services/service-item.ts';
import type { ServiceScope } from '../../core/services/scope.ts';
import { ObjectName } from '../../core/workloads/schemas.ts';
import { defineRoute, type Route } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import type { ZadigEnvironmentDeps } from './app.ts';
import { ScaleInput, SetImageInput } from './schemas.ts';
import { envServiceDetailView, eventView, imageChangeFrom, podView, SUCCESS, scaleFrom } from './views.ts';

const tags = ['zadig-environment'] as const;
const success = { 200: { description: 'Done', example: { message: 'success' } } } as const;
const ProjectKeyQuery = v.object({ projectKey: ProjectKey });

function scopedRoutes(scope: ServiceScope) {
  const base = scope === 'production' ? '/openapi/environments/production' : '/openapi/environments';
  const what = scope === 'production' ? 'production environment' : 'test environment';
  return {
    serviceDetail: defineRoute({
      method: 'get',
      path: `${base}/:envKey/services/:serviceName`,
      summary: `A service of a ${what}: its workloads with pods, Services, Ingresses and CronJobs`,
      tags,
      access: 'token',
      params: v.object({ envKey: EnvKey, serviceName: ServiceName }),
      query: v.object({ projectKey: ProjectKey, workLoadtype: v.optional(v.string()) }),
      responses: { 200: { description: 'The service, as Zadig shows it' } },
    }),
    servicePods: defineRoute({
      method: 'get',
      path: `${base}/:envKey/service/:serviceName/pods`,
      summary: `The pods of a service of a ${what}`,
      tags,
      access: 'token',
      params: v.object({ envKey: EnvKey, serviceName: ServiceName }),
      query: ProjectKeyQuery,
      responses: { 200: { description: 'The pods' } },
    }),
    restartService: defineRoute({
      method: 'post',
      path: `${base}/:envKey/service/:serviceName/restart`,
      summary: `Restart every Deployment, StatefulSet and DaemonSet of a service of a ${what}`,
      tags,
      access: 'token',
      params: v.object({ envKey: EnvKey, serviceName: ServiceName }),
      query: ProjectKeyQuery,
      responses: success,
    }),
    restartPod: defineRoute({
      method: 'post',
      path: `${base}/:envKey/pod/:podName/restart`,
      summary: `Restart one pod of a ${what}`,
      tags,
      access: 'token',
      params: v.object({ envKey: EnvKey, podName: ObjectName }),
      query: ProjectKeyQuery,
      responses: success,
    }),
  };
}

export const workloadRoutesByScope = { production: scopedRoutes('production'), test: scopedRoutes('test') };

export const workloadRoutes = {
  ...Object.fromEntries(
    Object.entries(workloadRoutesByScope.production).map(([name, contract]) => [`production.${name}`, contract]),
  ),
  ...Object.fromEntries(
    Object.entries(workloadRoutesByScope.test).map(([name, contract]) => [`test.${name}`, contract]),
  ),
  scale: defineRoute({
    method: 'post',
    path: '/openapi/environments/scale',
    summary: 'Set the replica count of a workload of an environment',
    tags,
    access: 'token',
    body: ScaleInput,
    responses: success,
  }),
  deploymentImage: imageRoute('deployment'),
  statefulSetImage: imageRoute('statefulset'),
  cronJobImage: imageRoute('cronjob'),
  events: defineRoute({
    method: 'get',
    path: '/openapi/environments/kube/events',
    summary: 'Events of an object of an environment',
    tags,
    access: 'token',
    query: v.object({
      projectKey: ProjectKey,
      envName: EnvKey,
      name: ObjectName,
      type: v.pipe(v.string(), v.regex(/^[A-Z][A-Za-z]+$/, 'must be a kind, e.g. Deployment')),
      production: v.optional(
        v.pipe(
          v.picklist(['true', 'false']),
          v.transform((value) => value === 'true'),
        ),
        'false',
      ),
    }),
    responses: {
      200: {
        description: 'The events',
        example: [
          {
            reason: 'ScalingReplicaSet',
            message: 'Scaled up replica set service1-7cc994479d to 1',
            first_seen: 1707396095,
            last_seen: 1707396095,
            count: 1,
            type: 'Normal',
          },
        ],
      },
    },
  }),
};

function imageRoute(kind: 'deployment' | 'statefulset' | 'cronjob') {
  return defineRoute({
    method: 'post',
    path: `/openapi/environments/image/${kind}/:envKey`,
    summary: `Set a container's image in a ${kind} of an environment`,
    tags,
    access: 'token',
    params: v.object({ envKey: EnvKey }),
    body: SetImageInput,
    rules: ['env_name must be the environment of the path (envKey)'],
    responses: success,
  });
}

const KINDS = { deployment: 'Deployment', statefulset: 'StatefulSet', cronjob: 'CronJob' } as const;

/** Day-two operations: they act on the cluster directly, and record each change in the env service's history. */
export function mountWorkloadRoutes(route: Route, { ctx, connections }: ZadigEnvironmentDeps): void {
  const ref = (c: Context<BerthEnv>, scope: ServiceScope, projectKey: string, envKey: string) => ({
    ctx,
    connections,
    principal: c.get('principal'),
    scope,
    projectKey,
    envKey,
  });

  route(workloadRoutes.scale, async (c, { body }) => {
    const { scope, projectKey, envKey, ...input } = scaleFrom(body);
    await scaleEnvWorkload({ ...ref(c, scope, projectKey, envKey), ...input });
    return c.json(SUCCESS);
  });
  for (const [key, kind] of [
    ['deploymentImage', 'deployment'],
    ['statefulSetImage', 'statefulset'],
    ['cronJobImage', 'cronjob'],
  ] as const) {
    route(workloadRoutes[key], async (c, { params, body }) => {
      const { scope, projectKey, ...input } = imageChangeFrom(body, params.envKey);
      await setEnvImage({ ...ref(c, scope, projectKey, params.envKey), kind: KINDS[kind], ...input });
      return c.json(SUCCESS);
    });
  }
  route(workloadRoutes.events, async (c, { query }) => {
    const events = await listEnvEvents({
      ...ref(c, scopeOf(query.production), query.projectKey, query.envName),
      kind: query.type,
      name: query.name,
    });
    return c.json(events.map(eventView));
  });

  // Production first, like every scoped route of this group.
  for (const scope of ['production', 'test'] as const) {
    const routes = workloadRoutesByScope[scope];
    route(routes.serviceDetail, async (c, { params, query }) => {
      const detail = await getEnvServiceDetail({
        ...ref(c, scope, query.projectKey, params.envKey),
        serviceName: params.serviceName,
        workloadType: query.workLoadtype,
      });
      return c.json(envServiceDetailView(detail, ctx.now()));
    });
    route(routes.servicePods, async (c, { params, query }) => {
      const pods = await listEnvServicePods({
        ...ref(c, scope, query.projectKey, params.envKey),
        serviceName: params.serviceName,
      });
      const now = ctx.now();
      return c.json(pods.map((pod) => podView(pod, now)));
    });
    route(routes.restartService, async (c, { params, query }) => {
      await restartEnvService({ ...ref(c, scope, query.projectKey, params.envKey), serviceName: params.serviceName });
      return c.json(SUCCESS);
    });
    route(routes.restartPod, async (c, { params, query }) => {
      await restartEnvPod({ ...ref(c, scope, query.projectKey, params.envKey), podName: params.podName });
      return c.json(SUCCESS);
    });
  }
}
