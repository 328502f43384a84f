import * as v from 'valibot';
import { PAGE_LIMIT } from '../../core/context.ts';
import { documentedRule, integerText } from './documented.ts';

/** `?limit=&cursor=` for every list Berth itself defines; other query parameters are ignored. */
export const PageQuery = v.object({
  limit: v.optional(integerText({ minimum: 1, maximum: PAGE_LIMIT.max }), String(PAGE_LIMIT.default)),
  cursor: v.optional(v.pipe(v.string(), documentedRule('must be a next_cursor this API returned (it is opaque)'))),
});
