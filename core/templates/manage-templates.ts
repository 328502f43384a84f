import type { CoreContext } from '../context.ts';
import { ConflictError, field, text } from '../errors.ts';
import { keys } from '../store/keys.ts';
import { deleteUnused } from '../store/writes.ts';
import { readTemplate, templateUsers, type TemplateItem } from './template-item.ts';
import { takePage } from '../paging.ts';

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
