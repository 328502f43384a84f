import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { serviceVariables } from '../render/index.ts';
import { parseTemplate } from '../render/template.ts';
import { keys } from '../store/keys.ts';
import type { NewTemplate } from './schemas.ts';
import type { TemplateItem } from './template-item.ts';

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
