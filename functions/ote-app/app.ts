import { createApp, createChartApp, deleteApps, getApp, listApps } from '../../core/apps/manage-apps.ts';
import { CHART_UPLOAD_BODY_BYTES } from '../http/chart-upload.ts';
import type { CoreContext } from '../../core/context.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { ote } from '../ote/envelope.ts';
import { renderOteError, requireJsonBodies } from '../ote/errors.ts';
import { pagingOf } from '../ote/paging.ts';
import { appView } from '../ote/views.ts';
import { oteAppRoutes as routes } from './routes.ts';

export type OteAppDeps = {
  ctx: CoreContext;
  authenticate: Authenticate;
  /** The registered registry chart applications are stored in. */
  chartRegistryId: string | undefined;
  log?: LogLine;
};

/** ote-stack applications: versions of what deployments run, an image's or an uploaded chart's. */
export function createOteAppApp({ ctx, authenticate, chartRegistryId, log }: OteAppDeps) {
  const app = createAppShell({
    renderError: renderOteError,
    bodyLimitBytes: CHART_UPLOAD_BODY_BYTES,
    ctx,
    ...(log ? { log } : {}),
  });
  // The chart upload is multipart, as the document says; every other body is JSON.
  app.use((c, next) => (c.req.path === routes.createChartApp.path ? next() : requireJsonBodies(c, next)));
  const route = createRouter(app, { authenticate });

  route(routes.createChartApp, async (c, { body }) => {
    const created = await createChartApp({
      ctx,
      principal: c.var.principal,
      chartRegistryId,
      input: { ...body, chart: new Uint8Array(await body.chart.arrayBuffer()) },
    });
    return ote(c, { data: appView(created) }, 201);
  });

  route(routes.createApp, async (c, { body }) =>
    ote(c, { data: appView(await createApp({ ctx, principal: c.var.principal, input: body })) }, 201),
  );
  route(routes.listApps, async (c, { query }) => {
    const { appName, appNameMode, version } = query;
    const page = await listApps({
      ctx,
      principal: c.var.principal,
      filter: { appName, appNameMode, version },
      paging: pagingOf(query),
    });
    const apps = page.items.map(appView);
    return ote(c, { data: apps, apps, total: page.total });
  });
  route(routes.getApp, async (c, { params }) =>
    ote(c, { data: appView(await getApp({ ctx, principal: c.var.principal, id: params.appId })) }),
  );
  route(routes.deleteApps, async (c, { body }) => {
    await deleteApps({ ctx, principal: c.var.principal, ids: body.appId });
    return ote(c);
  });

  return app;
}
