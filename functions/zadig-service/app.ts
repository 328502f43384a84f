import type { Context } from 'hono';
import type { CoreContext } from '../../core/context.ts';
import { createProject, deleteProject, getProject, listProjects } from '../../core/projects/manage-projects.ts';
import {
  deleteService,
  getService,
  getServiceLabels,
  listServices,
  setServiceLabels,
} from '../../core/services/manage-services.ts';
import { deleteTemplate, getTemplate, listTemplates } from '../../core/templates/manage-templates.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { BerthEnv } from '../http/env.ts';
import type { LogLine } from '../http/request-log.ts';
import { zadigErrorRenderer } from '../zadig/errors.ts';
import { projectRoutes, SCOPES, serviceRoutesByScope, templateRoutes } from './routes.ts';
import {
  newProjectFrom,
  newTemplateFrom,
  projectView,
  rawServiceFrom,
  SUCCESS,
  serviceDetailView,
  serviceSummaryView,
  serviceVariablesFrom,
  templateChangeFrom,
  templateServiceFrom,
  templateSyncView,
  templateView,
  wireField,
} from './views.ts';

export type ZadigServiceDeps = { ctx: CoreContext; authenticate: Authenticate; log?: LogLine };

const renderingVerbs = () => import('./rendering-verbs.ts');

/** Zadig's OpenAPI for projects, YAML templates and K8s YAML services (test and production). */
export function createZadigServiceApp({ ctx, authenticate, log }: ZadigServiceDeps) {
  const app = createAppShell({ renderError: zadigErrorRenderer(wireField), ctx, ...(log ? { log } : {}) });
  const route = createRouter(app, { authenticate });

  route(projectRoutes.createProject, async (c, { body }) => {
    await createProject({ ctx, principal: c.get('principal'), input: newProjectFrom(body) });
    return c.json(SUCCESS);
  });
  route(projectRoutes.listProjects, async (c, { query }) => {
    const { total, projects } = await listProjects({ ctx, principal: c.get('principal'), ...query });
    return c.json({ total, projects: projects.map(projectView) });
  });
  route(projectRoutes.getProject, async (c, { query }) =>
    c.json(projectView(await getProject({ ctx, principal: c.get('principal'), projectKey: query.projectKey }))),
  );
  route(projectRoutes.deleteProject, async (c, { query }) => {
    await deleteProject({ ctx, principal: c.get('principal'), projectKey: query.projectKey });
    return c.json(SUCCESS);
  });

  route(templateRoutes.createTemplate, async (c, { body }) => {
    const { createTemplate } = await renderingVerbs();
    await createTemplate({ ctx, principal: c.get('principal'), input: newTemplateFrom(body) });
    return c.json(SUCCESS);
  });
  route(templateRoutes.listTemplates, async (c, { query }) => {
    const { total, templates } = await listTemplates({ ctx, ...query });
    return c.json({ total, templates: templates.map(templateView) });
  });
  route(templateRoutes.getTemplate, async (c, { params }) =>
    c.json(templateView(await getTemplate({ ctx, name: params.name }))),
  );
  route(templateRoutes.updateTemplate, async (c, { params, body }) => {
    const { updateTemplate } = await renderingVerbs();
    const result = await updateTemplate({
      ctx,
      principal: c.get('principal'),
      name: params.name,
      input: templateChangeFrom(body),
    });
    return c.json(templateSyncView(result));
  });
  route(templateRoutes.deleteTemplate, async (c, { params }) => {
    await deleteTemplate({ ctx, name: params.name });
    return c.json(SUCCESS);
  });

  // Production first: `/openapi/service/yaml/production/...` must never be read as a test service named "production".
  for (const scope of SCOPES) {
    const routes = serviceRoutesByScope[scope];
    const ref = (c: Context<BerthEnv>, projectKey: string, serviceName: string) => ({
      ctx,
      principal: c.get('principal'),
      projectKey,
      scope,
      serviceName,
    });

    route(routes.list, async (c, { query }) => {
      const services = (
        await listServices({ ctx, principal: c.get('principal'), projectKey: query.projectKey, scope })
      ).map(serviceSummaryView);
      // As documented: the test list is wrapped in `service`, the production list is bare.
      return c.json(scope === 'test' ? { service: services } : services);
    });
    route(routes.labels, async (c, { params, query }) =>
      c.json(await getServiceLabels(ref(c, query.projectKey, params.serviceName))),
    );
    route(routes.setLabels, async (c, { params, query, body }) =>
      c.json(await setServiceLabels({ ...ref(c, query.projectKey, params.serviceName), labels: body })),
    );
    route(routes.loadTemplate, async (c, { body }) => {
      const { createServiceFromTemplate } = await renderingVerbs();
      await createServiceFromTemplate({ ctx, principal: c.get('principal'), scope, input: templateServiceFrom(body) });
      return c.json(SUCCESS);
    });
    route(routes.createRaw, async (c, { query, body }) => {
      const { createRawService } = await renderingVerbs();
      await createRawService({
        ctx,
        principal: c.get('principal'),
        scope,
        projectKey: query.projectKey,
        input: rawServiceFrom(body),
      });
      return c.json(SUCCESS);
    });
    route(routes.updateVariables, async (c, { params, query, body }) => {
      const { updateServiceVariables } = await renderingVerbs();
      await updateServiceVariables({
        ...ref(c, query.projectKey, params.serviceName),
        variables: serviceVariablesFrom(body),
      });
      return c.json(SUCCESS);
    });
    route(routes.detail, async (c, { params, query }) =>
      c.json(serviceDetailView(await getService(ref(c, query.projectKey, params.serviceName)))),
    );
    route(routes.updateYaml, async (c, { params, query, body }) => {
      const { updateServiceYaml } = await renderingVerbs();
      await updateServiceYaml({ ...ref(c, query.projectKey, params.serviceName), yaml: body.yaml });
      return c.json(SUCCESS);
    });
    route(routes.remove, async (c, { params, query }) => {
      await deleteService(ref(c, query.projectKey, params.serviceName));
      return c.json(SUCCESS);
    });
  }

  return app;
}
