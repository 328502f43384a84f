import * as v from 'valibot';
import { PAGE_SIZE_CAP } from '../../core/paging.ts';
import { integerText } from '../http/documented.ts';

/**
 * `page` (from 1), `pageSize` (default 10; 0 for all, up to the cap),
 * `orderBy` (only `id`) and `order` (default `desc`), as the document pages
 * its lists.
 */
export const OtePaging = {
  page: v.optional(integerText({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), '1'),
  pageSize: v.optional(
    integerText({
      minimum: 0,
      maximum: PAGE_SIZE_CAP,
      description: `The page size; 0 means all, up to ${PAGE_SIZE_CAP}`,
    }),
    '10',
  ),
  orderBy: v.optional(v.picklist(['id'], 'can only be id'), 'id'),
  order: v.optional(v.picklist(['asc', 'desc'], 'must be asc or desc'), 'desc'),
};

export const pagingOf = (query: { page: number; pageSize: number; order: 'asc' | 'desc' }) => ({
  page: query.page,
  pageSize: query.pageSize,
  order: query.order,
});

/** How a name filter compares. */
export const NameMode = v.optional(
  v.picklist(['strict', 'partial', 'prefix'], 'must be strict, partial or prefix'),
  'partial',
);
