import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { decideAudit, listPendingAudits } from '../../core/deploys/audit.ts';
import type { AuditInput } from '../../core/deploys/schemas.ts';
import {
  changeVersion,
  createDeploy,
  deleteDeploy,
  getDeploy,
  listDeploys,
} from '../../core/deploys/manage-deploys.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate, type RouteHandler } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { ote } from '../ote/envelope.ts';
import { renderOteError, requireJsonBodies } from '../ote/errors.ts';
import { pagingOf } from '../ote/paging.ts';
import { auditView, deployView, historyView, pickFields } from '../ote/views.ts';
import { oteDeployRoutes as routes } from './routes.ts';

export type OteDeployDeps = {
  ctx: CoreContext;
  connections: ClusterConnections;
  authenticate: Authenticate;
  log?: LogLine;
};

/** ote-stack deployments and their audit. Changes are recorded here and carried out by the stream worker. */
export function createOteDeployApp({ ctx, connections, authenticate, log }: OteDeployDeps) {
  const app = createAppShell({ renderError: renderOteError, ctx, ...(log ? { log } : {}) });
  app.use(requireJsonBodies);
  const route = createRouter(app, { authenticate });

  const create: RouteHandler<typeof routes.createDeploy> = async (c, { body }) =>
    ote(
      c,
      { data: deployView(await createDeploy({ ctx, connections, principal: c.var.principal, input: body })) },
      201,
    );
  route(routes.createDeploy, create);
  route(routes.installDeploy, create);
  route(routes.listDeploys, async (c, { query }) => {
    const { appName, appNameMode, editable, running, field } = query;
    const page = await listDeploys({
      ctx,
      principal: c.var.principal,
      filter: { appName, appNameMode, editable, running },
      paging: pagingOf(query),
    });
    return ote(c, { data: page.items.map((deploy) => pickFields(deployView(deploy), field)), total: page.total });
  });
  route(routes.getDeploy, async (c, { params, query }) => {
    const withHistory = query.field.includes('historyVersion');
    const { deploy, history } = await getDeploy({ ctx, principal: c.var.principal, id: params.deployId, withHistory });
    const view = pickFields(deployView(deploy), query.field);
    return ote(c, { data: history ? { ...view, historyVersion: history.map(historyView) } : view });
  });
  route(routes.upgradeDeploy, async (c, { params, body }) => {
    const principal = c.var.principal;
    const deploy = await changeVersion({
      ctx,
      connections,
      principal,
      id: params.deployId,
      input: body,
      deployType: 2,
    });
    return ote(c, { data: deployView(deploy) });
  });
  route(routes.rollbackDeploy, async (c, { params, body }) => {
    const principal = c.var.principal;
    const deploy = await changeVersion({
      ctx,
      connections,
      principal,
      id: params.deployId,
      input: body,
      deployType: 3,
    });
    return ote(c, { data: deployView(deploy) });
  });
  route(routes.deleteDeployById, async (c, { params }) =>
    ote(c, {
      data: deployView(await deleteDeploy({ ctx, principal: c.var.principal, target: { id: params.deployId } })),
    }),
  );
  route(routes.deleteDeployByName, async (c, { params }) =>
    ote(c, {
      data: deployView(await deleteDeploy({ ctx, principal: c.var.principal, target: { name: params.deployName } })),
    }),
  );

  route(routes.listAudits, async (c, { query }) => {
    const page = await listPendingAudits({ ctx, businessName: query.businessName, paging: pagingOf(query) });
    return ote(c, { data: page.items.map(auditView), total: page.total });
  });
  const decide = async (c: Parameters<RouteHandler<typeof routes.auditPut>>[0], { body }: { body: AuditInput }) =>
    ote(c, { data: auditView(await decideAudit({ ctx, principal: c.var.principal, input: body })) });
  route(routes.auditPut, decide);
  route(routes.auditPost, decide);

  return app;
}
