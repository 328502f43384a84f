import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { unixSeconds } from '../projects/project-item.ts';
import type { ServiceVariable } from '../render/variables.ts';
import { keys } from '../store/keys.ts';
import { adjustCount } from '../store/writes.ts';

/** A K8s YAML service template (the spec's `template_name`). */
export type TemplateItem = {
  name: string;
  content: string;
  variables: ServiceVariable[];
  /** How many services follow the template (auto_sync); a template with followers cannot be deleted. */
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

export const toTemplateView = (item: TemplateItem) => ({
  name: item.name,
  content: item.content,
  service_variable_kvs: item.variables,
  created_by: item.createdBy,
  created_time: unixSeconds(item.createdAt),
  updated_by: item.updatedBy,
  updated_time: unixSeconds(item.updatedAt),
});

/** A transaction item counting one more (or one fewer) follower of a template that must exist. */
export const templateFollowers = (name: string, delta: number) =>
  adjustCount(keys.template(name), 'followers', delta, `template "${name}" was deleted meanwhile`);
