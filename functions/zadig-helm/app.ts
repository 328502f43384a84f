import { writeYaml } from '../../core/yaml/write.ts';
import { createHelmServiceFromTemplate } from '../../core/charts/create-helm-service.ts';
import {
  deleteChartTemplate,
  getChartTemplate,
  listChartTemplates,
  uploadChartTemplate,
} from '../../core/charts/manage-charts.ts';
import type { CoreContext } from '../../core/context.ts';
import { scopeOf } from '../../core/services/service-item.ts';
import { CHART_UPLOAD_BODY_BYTES } from '../http/chart-upload.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { zadigErrorRenderer } from '../zadig/errors.ts';
import {
  addHelmEnvServices,
  createHelmEnvironment,
  getReleaseValues,
} from '../../core/environments/helm-env-services.ts';
import { chartTemplateRoutes, helmEnvironmentRoutes, helmServiceRoutes } from './routes.ts';
import {
  chartTemplateView,
  chartVersionView,
  helmEnvironmentFrom,
  helmEnvServicesFrom,
  helmServiceFrom,
  SUCCESS,
  uploadView,
  wireField,
} from './views.ts';

export type ZadigHelmDeps = {
  ctx: CoreContext;
  authenticate: Authenticate;
  /** The registered registry charts are stored in. */
  chartRegistryId: string | undefined;
  log?: LogLine;
};

/** Zadig's OpenAPI for Helm: chart templates, Helm services, Helm environments. The function that runs Helm. */
export function createZadigHelmApp({ ctx, authenticate, chartRegistryId, log }: ZadigHelmDeps) {
  const app = createAppShell({
    renderError: zadigErrorRenderer(wireField),
    bodyLimitBytes: CHART_UPLOAD_BODY_BYTES,
    ctx,
    ...(log ? { log } : {}),
  });
  const route = createRouter(app, { authenticate });

  route(chartTemplateRoutes.uploadChart, async (c, { body }) => {
    const archive = new Uint8Array(await body.file.arrayBuffer());
    return c.json(
      uploadView(
        await uploadChartTemplate({
          ctx,
          principal: c.get('principal'),
          chartRegistryId,
          archive,
          defaults: body.variables,
        }),
      ),
    );
  });
  route(chartTemplateRoutes.listCharts, async (c, { query }) => {
    const { total, templates } = await listChartTemplates({ ctx, ...query });
    return c.json({ total, templates: templates.map(chartTemplateView) });
  });
  route(chartTemplateRoutes.getChart, async (c, { params }) => {
    const { template, versions } = await getChartTemplate({ ctx, name: params.name });
    return c.json({ ...chartTemplateView(template), versions: versions.map(chartVersionView) });
  });
  route(chartTemplateRoutes.deleteChart, async (c, { params }) => {
    await deleteChartTemplate({ ctx, name: params.name });
    return c.json(SUCCESS);
  });

  route(helmServiceRoutes.loadHelmService, async (c, { body }) => {
    await createHelmServiceFromTemplate({
      ctx,
      principal: c.get('principal'),
      scope: scopeOf(body.production),
      input: helmServiceFrom(body),
    });
    return c.json(SUCCESS);
  });

  route(helmEnvironmentRoutes.createHelmEnvironment, async (c, { body }) => {
    const { operationId } = await createHelmEnvironment({
      ctx,
      principal: c.get('principal'),
      projectKey: body.project_key,
      scope: scopeOf(body.production),
      input: helmEnvironmentFrom(body),
    });
    return c.json({ ...SUCCESS, operation_id: operationId });
  });
  // As Zadig does, the environment is the body's `env_name`; the path's name is not read.
  route(helmEnvironmentRoutes.addHelmServices, async (c, { query, body }) => {
    const { operationId } = await addHelmEnvServices({
      ctx,
      principal: c.get('principal'),
      projectKey: query.projectKey,
      scope: scopeOf(body.production),
      envKey: body.env_name,
      services: helmEnvServicesFrom(body),
    });
    return c.json({ ...SUCCESS, operation_id: operationId });
  });
  for (const [contract, scope] of [
    [helmEnvironmentRoutes.serviceValues, 'test'],
    [helmEnvironmentRoutes.productionServiceValues, 'production'],
  ] as const) {
    route(contract, async (c, { query }) => {
      const values = await getReleaseValues({
        ctx,
        principal: c.get('principal'),
        projectKey: query.projectKey,
        scope,
        envKey: query.envName,
        serviceName: query.serviceName,
      });
      // Zadig answers the YAML text as its JSON response body: a JSON string.
      return c.json(writeYaml(values, { sortKeys: true }));
    });
  }

  return app;
}
