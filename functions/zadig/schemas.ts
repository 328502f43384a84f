import * as v from 'valibot';
import { integerText } from '../http/documented.ts';

/**
 * A field a Zadig spec documents that Berth does not support. Absent is fine;
 * present is a 400 naming the field with the reason, so a documented field is
 * never dropped silently (valibot's `v.object` would strip it).
 */
export const refused = (reason: string) => v.optional(v.never(reason));

/** Zadig pages by number: `pageNum` from 1, `pageSize` up to 100. */
export const PageNumberQuery = v.object({
  pageNum: v.optional(integerText({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), '1'),
  pageSize: v.optional(integerText({ minimum: 1, maximum: 100 }), '20'),
});
