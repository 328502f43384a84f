import * as v from 'valibot';

/**
 * A field a Zadig spec documents that Berth does not support. Absent is fine;
 * present is a 400 naming the field with the reason, so a documented field is
 * never dropped silently (valibot's `v.object` would strip it).
 */
export const refused = (reason: string) => v.optional(v.never(reason));
