import { InvalidInputError } from '../errors.ts';
import type { Collection, ItemKey } from './keys.ts';

/**
 * Cursors are the last key of a page, base64url-encoded. A cursor is only
 * accepted for the collection it came from, so a client cannot use one to read
 * another partition.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  if (!lastKey) return undefined;
  return Buffer.from(JSON.stringify({ pk: lastKey['pk'], sk: lastKey['sk'] })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, collection: Collection): ItemKey | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidInputError('cursor is not one this API returned', 'cursor');
  }
  const candidate = key as Partial<ItemKey> | null;
  if (
    typeof candidate?.pk !== 'string' ||
    typeof candidate.sk !== 'string' ||
    candidate.pk !== collection.pk ||
    !candidate.sk.startsWith(collection.skPrefix)
  ) {
    throw new InvalidInputError('cursor is not one this API returned', 'cursor');
  }
  return { pk: candidate.pk, sk: candidate.sk };
}
