import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, DomainError, InvalidInputError, text } from '../errors.ts';
import { serviceVariables } from '../render/index.ts';
import { parseTemplate } from '../render/template.ts';
import { defineService } from '../services/define-service.ts';
import { readService, reviseService, serviceNotFound, type ServiceItem } from '../services/service-item.ts';
import { keys } from '../store/keys.ts';
import { readTemplate, templateUsers, type TemplateItem, type TemplateUser } from './template-item.ts';
import type { TemplateChange } from './schemas.ts';

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
