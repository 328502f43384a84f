import type { ItemKey } from './keys.ts';
import type { TransactItem } from './store.ts';

/*
 * The writes the domain composes into `store.transact`, each named for what
 * it guarantees, so each race is explained once, here. `conflict` is the
 * message of the Conflict a failed condition becomes.
 */

/** One write of a transaction, with the Conflict message its failed condition means. */
export type Write = TransactItem & { conflict?: string };

type Item = ItemKey & Record<string, unknown>;

/** Puts a new item. Guards against two creators of the same key both believing they won. */
export function createIfAbsent(item: Item, conflict?: string): Write {
  return { Put: { Item: item, ConditionExpression: 'attribute_not_exists(pk)' }, conflict };
}

/** Puts an item whatever is there: for a setting where the last writer is meant to win. */
export function putItem(item: Item): Write {
  return { Put: { Item: item } };
}

/** Writes nothing; fails the transaction unless the item exists (what the others write depends on it). */
export function requireExists(key: ItemKey, conflict: string): Write {
  return { ConditionCheck: { Key: key, ConditionExpression: 'attribute_exists(pk)' }, conflict };
}

/**
 * Sets `changes` on an item still at `expectedVersion` and bumps its version:
 * another writer that read the same version and wrote first makes this fail
 * instead of being overwritten (a lost update).
 */
export function updateAtVersion(
  key: ItemKey,
  expectedVersion: number,
  changes: Record<string, unknown>,
  conflict?: string,
): Write {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
  const assignments = Object.entries(changes).map(([name, value], index) => {
    names[`#a${index}`] = name;
    values[`:v${index}`] = value;
    return `#a${index} = :v${index}`;
  });
  return {
    Update: {
      Key: key,
      UpdateExpression: `SET ${[...assignments, '#version = #version + :one'].join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    conflict,
  };
}

/** Deletes an item still at `expectedVersion`: a delete cannot discard a change it never saw. */
export function deleteAtVersion(key: ItemKey, expectedVersion: number, conflict?: string): Write {
  return {
    Delete: {
      Key: key,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': expectedVersion },
    },
    conflict,
  };
}

/** Deletes an item if it is there (for items only their owner's transactions write). */
export function deleteItem(key: ItemKey): Write {
  return { Delete: { Key: key } };
}

/**
 * Claims a key for `owner` (a host port for an order): written when nobody
 * holds it or `owner` already does, so two owners racing for one key cannot
 * both hold it.
 */
export function claimItem(key: ItemKey, owner: string, attributes: Record<string, unknown>, conflict: string): Write {
  return {
    Put: {
      Item: { ...attributes, owner, ...key },
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    },
    conflict,
  };
}

/** Gives a claim up, only if `owner` still holds it: a release never frees what another owner claimed since. */
export function releaseClaim(key: ItemKey, owner: string): Write {
  return {
    Delete: {
      Key: key,
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    },
  };
}
