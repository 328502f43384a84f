import * as v from 'valibot';
import { PAGE_SIZE_CAP } from '../../core/paging.ts';

const Integer = (minimum: number, fallback: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a non-negative integer'),
      v.transform(Number),
      v.minValue(minimum, `must be at least ${minimum}`),
    ),
    fallback,
  );

/**
 * `page` (from 1), `pageSize` (default 10; 0 for all, up to the cap),
 * `orderBy` (only `id`) and `order` (default `desc`), as the document pages
 * its lists.
 */
export const OtePaging = {
  page: Integer(1, '1'),
  pageSize: v.pipe(
    Integer(0, '10'),
    v.maxValue(PAGE_SIZE_CAP, `must be at most ${PAGE_SIZE_CAP} (0 means all, up to ${PAGE_SIZE_CAP})`),
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
