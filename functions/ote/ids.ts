import { integerText } from '../http/documented.ts';

/** An application or deployment id in a path: a counter's value, at most 12 digits. */
export const ResourceId = integerText({ minimum: 1, maximum: 999_999_999_999 });
