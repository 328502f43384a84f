import * as v from 'valibot';
import { PAGE_LIMIT } from '../../core/context.ts';

/** `?limit=&cursor=` for every list Berth itself defines; other query parameters are ignored. */
export const PageQuery = v.object({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a positive integer'),
      v.transform(Number),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(PAGE_LIMIT.max, `must be at most ${PAGE_LIMIT.max}`),
    ),
    String(PAGE_LIMIT.default),
  ),
  cursor: v.optional(v.string()),
});
