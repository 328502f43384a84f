import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, DomainError, InvalidInputError, field, text } from '../errors.ts';
import { serviceVariables } from '../render/index.ts';
import { parseTemplate } from '../render/template.ts';
import { defineService } from '../services/define-service.ts';
import { readService, reviseService, serviceNotFound, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import type { ServiceScope } from '../services/scope.ts';
import { deleteUnused } from '../store/writes.ts';
import { readTemplate, type TemplateItem } from './template-item.ts';
import type { NewTemplate, TemplateChange } from './schemas.ts';
import { takePage } from '../paging.ts';

type TemplateUser = { project: string; scope: ServiceScope; service: string };

/**
 * Stores a template. Its syntax is checked now (an unsupported construct is a
 * 400 here, not at the first service); it is rendered with real values only
 * when a service is created from it.
 */
export async function createTemplate({
  ctx,
  principal,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  input: NewTemplate;
}): Promise<TemplateItem> {
  const variables = serviceVariables(parseTemplate(input.content), input.variables, 'variables');
  const now = ctx.now().toISOString();
  const item: TemplateItem = {
    name: input.name,
    content: input.content,
    variables,
    createdBy: principal.name,
    createdAt: now,
    updatedBy: principal.name,
    updatedAt: now,
    version: 1,
  };
  await ctx.store.create(keys.template(item.name), item, `template "${item.name}" already exists`);
  return item;
}

export async function getTemplate({ ctx, name }: { ctx: CoreContext; name: string }): Promise<TemplateItem> {
  return readTemplate(ctx, name);
}

export async function listTemplates({
  ctx,
  pageNum,
  pageSize,
}: {
  ctx: CoreContext;
  pageNum: number;
  pageSize: number;
}): Promise<{ total: number; templates: TemplateItem[] }> {
  const { items, total } = takePage(await ctx.store.listAll<TemplateItem>(keys.templates), { page: pageNum, pageSize });
  return { total, templates: items };
}

/**
 * Changes a template and re-renders every service that follows it
 * (`autoSync`). Each follower is rendered first: if the new template would
 * break one, nothing is written and the 400 names the service.
 */
export async function updateTemplate({
  ctx,
  principal,
  name,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  name: string;
  input: TemplateChange;
}): Promise<{ template: TemplateItem; synced: string[]; failed: Array<{ service: string; error: DomainError }> }> {
  const current = await readTemplate(ctx, name);
  const variables = serviceVariables(parseTemplate(input.content), input.variables ?? current.variables, 'variables');
  const next: TemplateItem = { ...current, content: input.content, variables };

  const users = await templateUsers(ctx, name);
  const followers = await readFollowers(ctx, users);
  for (const user of users) resync(followers.get(userKey(user)) ?? throwNotFound(user), next);

  const updated = await ctx.store.update<TemplateItem>(
    keys.template(name),
    current.version,
    { content: next.content, variables: next.variables, updatedBy: principal.name, updatedAt: ctx.now().toISOString() },
    `template "${name}" was changed by another request; read it again and retry`,
  );
  // List the followers again: one created between the first list and the
  // write above was rendered from the old template and must follow too. Only
  // those are read: a follower read above and changed since fails its
  // revision's version condition, and `reviseFollower` reads it again.
  const synced: string[] = [];
  const failed: Array<{ service: string; error: DomainError }> = [];
  const latest = await templateUsers(ctx, name);
  const joined = await readFollowers(
    ctx,
    latest.filter((user) => !followers.has(userKey(user))),
  );
  for (const user of latest) {
    const label = `${user.project}/${user.service}${user.scope === 'production' ? ' (production)' : ''}`;
    try {
      const service = followers.get(userKey(user)) ?? joined.get(userKey(user)) ?? throwNotFound(user);
      await reviseFollower(ctx, principal, service, next);
      synced.push(label);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      failed.push({ service: label, error });
    }
  }
  return { template: updated, synced, failed };
}

/** Deletes a template nobody follows; followers would have nothing left to follow. */
export async function deleteTemplate({ ctx, name }: { ctx: CoreContext; name: string }): Promise<void> {
  const current = await readTemplate(ctx, name);
  const users = await templateUsers(ctx, name);
  if (users.length > 0) {
    throw new ConflictError(
      text`template "${name}" is followed (${field('autoSync')}) by ${users.map((user) => `${user.project}/${user.service}`).join(', ')}`,
    );
  }
  await ctx.store.transact(
    [
      // A follower created after the check above was counted on the template in its own write.
      deleteUnused(
        keys.template(name),
        'followers',
        `template "${name}" was changed, or gained a follower, meanwhile; read it again`,
        current.version,
      ),
    ],
    `template "${name}" could not be deleted`,
  );
}

const userKey = (user: Pick<TemplateUser, 'project' | 'scope'> & { service: string }) =>
  `${user.project}\u0000${user.scope}\u0000${user.service}`;

const throwNotFound = (user: TemplateUser): never => {
  throw serviceNotFound(user.scope, user.service);
};

/** The services of template users, by `userKey`: one BatchGetItem per 100, where a GetItem each was a request each. */
async function readFollowers(ctx: CoreContext, users: readonly TemplateUser[]): Promise<Map<string, ServiceItem>> {
  const services = await ctx.store.getAll<ServiceItem>(
    users.map((user) => keys.service(user.project, user.scope, user.service)),
  );
  return new Map(services.map((service) => [userKey({ ...service, service: service.name }), service]));
}

async function templateUsers(ctx: CoreContext, name: string): Promise<TemplateUser[]> {
  return ctx.store.listAll<TemplateUser>(keys.templateUsers(name));
}

/** A follower rendered from the new template: its own values kept where the template still declares them. */
function resync(service: ServiceItem, template: TemplateItem) {
  try {
    const declared = new Set(template.variables.map((variable) => variable.key));
    return defineService({
      project: service.project,
      name: service.name,
      yaml: template.content,
      declared: template.variables,
      values: service.variables
        .filter((variable) => declared.has(variable.key))
        .map(({ key, value }) => ({ key, value })),
      field: 'content',
    });
  } catch (error) {
    if (error instanceof DomainError) {
      throw new InvalidInputError(
        text`the new template would break service "${service.name}" of project "${service.project}": ${error}`,
        'content',
      );
    }
    throw error;
  }
}

/** A follower edited between our read and this write is read and rendered again, once. */
async function reviseFollower(ctx: CoreContext, principal: Principal, service: ServiceItem, template: TemplateItem) {
  try {
    await reviseService(ctx, principal, service, { yaml: template.content, ...resync(service, template) });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const fresh = await readService(ctx, service.project, service.scope, service.name);
    await reviseService(ctx, principal, fresh, { yaml: template.content, ...resync(fresh, template) });
  }
}
