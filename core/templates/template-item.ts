import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { ServiceVariable } from '../render/variables.ts';
import type { ServiceScope } from '../services/scope.ts';
import { keys } from '../store/keys.ts';
import { adjustCount } from '../store/writes.ts';

/** A K8s YAML service template. */
export type TemplateItem = {
  name: string;
  content: string;
  variables: ServiceVariable[];
  /** How many services follow the template (`autoSync`); a template with followers cannot be deleted. */
  followers?: number;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
};

export async function readTemplate(ctx: CoreContext, name: string): Promise<TemplateItem> {
  const item = await ctx.store.get<TemplateItem>(keys.template(name));
  if (!item) throw new NotFoundError('template', name);
  return item;
}

/** A transaction item counting one more (or one fewer) follower of a template that must exist. */
export const templateFollowers = (name: string, delta: number) =>
  adjustCount(keys.template(name), 'followers', delta, `template "${name}" was deleted meanwhile`);

/** A service that follows a template (`autoSync`), as recorded under the template. */
export type TemplateUser = { project: string; scope: ServiceScope; service: string };

/** Every service following a template. */
export async function templateUsers(ctx: CoreContext, name: string): Promise<TemplateUser[]> {
  return ctx.store.listAll<TemplateUser>(keys.templateUsers(name));
}
