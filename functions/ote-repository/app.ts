import type { CoreContext } from '../../core/context.ts';
import { deleteImages, deleteTags, listImages, listTags } from '../../core/repository/images.ts';
import { createOteProject, deleteOteProject, listOteProjects } from '../../core/repository/projects.ts';
import {
  createThirdPartyRepository,
  deleteThirdPartyRepository,
  getThirdPartyRepository,
  listThirdPartyRepositories,
} from '../../core/repository/third-party.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { ote } from '../ote/envelope.ts';
import { renderOteError, requireJsonBodies } from '../ote/errors.ts';
import { pagingOf } from '../ote/paging.ts';
import { imageView, projectView, tagView, thirdPartyRepositoryView } from '../ote/views.ts';
import { oteRepositoryRoutes as routes } from './routes.ts';

export type OteRepositoryDeps = {
  ctx: CoreContext;
  authenticate: Authenticate;
  /** The registered registry the repository is (`BERTH_OTE_REGISTRY`). */
  registryId: string;
  /** How long one registry call may take, all its requests together. */
  registryTimeoutMs?: number;
  log?: LogLine;
};

/** ote-stack's image repository (projects, images, tags on a real registry) and third-party repositories. */
export function createOteRepositoryApp({
  ctx,
  authenticate,
  registryId,
  registryTimeoutMs = 10_000,
  log,
}: OteRepositoryDeps) {
  const app = createAppShell({ renderError: renderOteError, ctx, ...(log ? { log } : {}) });
  app.use(requireJsonBodies);
  const route = createRouter(app, { authenticate });
  const deps = { ctx, registryId, timeoutMs: registryTimeoutMs };

  route(routes.createProject, async (c, { body }) =>
    ote(c, { data: projectView(await createOteProject({ deps, principal: c.var.principal, input: body })) }, 201),
  );
  route(routes.listProjects, async (c, { query }) => {
    const { projectName } = query;
    const page = await listOteProjects({ deps, principal: c.var.principal, projectName, paging: pagingOf(query) });
    return ote(c, { data: page.items.map(projectView), total: page.total });
  });
  route(routes.deleteProject, async (c, { params }) => {
    await deleteOteProject({ deps, principal: c.var.principal, projectName: params.projectName });
    return ote(c);
  });

  route(routes.listImages, async (c, { query }) => {
    const { projectName, imageName } = query;
    const page = await listImages({
      deps,
      principal: c.var.principal,
      projectName,
      imageName,
      paging: pagingOf(query),
    });
    return ote(c, { data: page.items.map(imageView), total: page.total });
  });
  route(routes.listTags, async (c, { query }) => {
    const page = await listTags({
      deps,
      principal: c.var.principal,
      imageName: query.imageName,
      paging: pagingOf(query),
    });
    return ote(c, { data: page.items.map(tagView), total: page.total });
  });
  route(routes.deleteImages, async (c, { body }) => {
    await deleteImages({ deps, principal: c.var.principal, imageNames: body.imageName });
    return ote(c);
  });
  route(routes.deleteTags, async (c, { body }) => {
    await deleteTags({ deps, principal: c.var.principal, imageName: body.imageName, tags: body.tag });
    return ote(c);
  });

  route(routes.createThirdPartyRepository, async (c, { body }) =>
    ote(
      c,
      {
        data: thirdPartyRepositoryView(
          await createThirdPartyRepository({ ctx, createdBy: c.var.principal.name, input: body }),
        ),
      },
      201,
    ),
  );
  route(routes.listThirdPartyRepositories, async (c, { query }) => {
    const page = await listThirdPartyRepositories({ ctx, paging: pagingOf(query) });
    return ote(c, { data: page.items.map(thirdPartyRepositoryView), total: page.total });
  });
  route(routes.getThirdPartyRepository, async (c, { params }) =>
    ote(c, {
      data: thirdPartyRepositoryView(await getThirdPartyRepository({ ctx, repositoryId: params.repositoryId })),
    }),
  );
  route(routes.deleteThirdPartyRepository, async (c, { params }) => {
    await deleteThirdPartyRepository({ ctx, repositoryId: params.repositoryId });
    return ote(c);
  });

  return app;
}
