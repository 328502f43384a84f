import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys.ts';

/*
 * The writes the domain composes into `Store.transact`, each named for what
 * it guarantees (`Store.create` and `Store.update` are the single-item forms
 * of `createIfAbsent` and `updateAtVersion`). No condition is written anywhere
 * else, so each race is explained once, here.
 */

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
/** A transaction item; the store fills in its own table name. */
export type TransactItem = {
  [Op in keyof TransactItems[number]]?: Omit<NonNullable<TransactItems[number][Op]>, 'TableName'>;
};

/**
 * One write of a transaction, with the Conflict message its failed condition
 * means (the transaction's own message when it has none).
 */
export type Write = TransactItem & { conflict?: string };

/** A write of one kind, so the store can also send it on its own. */
type WriteOf<Op extends keyof TransactItem> = { [K in Op]-?: NonNullable<TransactItem[K]> } & { conflict?: string };

type Item = ItemKey & Record<string, unknown>;

/** Puts a new item. Guards against two creators of the same key both believing they won. */
export function createIfAbsent(item: Item, conflict?: string): WriteOf<'Put'> {
  return { Put: { Item: item, ConditionExpression: 'attribute_not_exists(pk)' }, conflict };
}

/**
 * Replaces an item still at `version` (the new item carries its next one).
 * Guards against a lost update: another writer that read the same version and
 * wrote first makes this write fail instead of overwrite.
 */
export function putAtVersion(item: Item, version: number, conflict?: string): WriteOf<'Put'> {
  return { Put: { Item: item, ...expression(atVersion(version)) }, conflict };
}

/** Sets `changes` on an item still at `version` and bumps its version: the lost update of `putAtVersion`, guarded. */
export function updateAtVersion(
  key: ItemKey,
  version: number,
  changes: Record<string, unknown>,
  conflict?: string,
): WriteOf<'Update'> {
  const set = assignments(changes);
  return {
    Update: {
      Key: key,
      UpdateExpression: `SET ${[...set.expressions, '#version = #version + :one'].join(', ')}`,
      ...expression(atVersion(version), { names: set.names, values: { ...set.values, ':one': 1 } }),
    },
    conflict,
  };
}

/** Deletes an item still at `version`: a concurrent edit makes this a Conflict rather than deleting unseen changes. */
export function deleteAtVersion(key: ItemKey, version: number, conflict?: string): WriteOf<'Delete'> {
  return { Delete: { Key: key, ...expression(atVersion(version)) }, conflict };
}

/** Deletes an item that must still be there: of two deleters that read it, the second gets a Conflict. */
export function deleteExisting(key: ItemKey, conflict?: string): WriteOf<'Delete'> {
  return { Delete: { Key: key, ...expression(exists) }, conflict };
}

/**
 * Deletes an item whose `countAttribute` (moved with `adjustCount` in the
 * same transactions as what it counts) is zero, and, when `version` is given,
 * that is still at it. Guards against a new user counted after the read.
 */
export function deleteUnused(
  key: ItemKey,
  countAttribute: string,
  conflict: string,
  version?: number,
): WriteOf<'Delete'> {
  return {
    Delete: { Key: key, ...expression(version === undefined ? exists : atVersion(version), unused(countAttribute)) },
    conflict,
  };
}

/** Writes nothing; fails the transaction unless the item exists (what the others write depends on it). */
export function requireExists(key: ItemKey, conflict: string): WriteOf<'ConditionCheck'> {
  return { ConditionCheck: { Key: key, ...expression(exists) }, conflict };
}

/** Writes nothing; fails the transaction unless the item is still at `version` (the others were derived from it). */
export function requireAtVersion(key: ItemKey, version: number, conflict: string): WriteOf<'ConditionCheck'> {
  return { ConditionCheck: { Key: key, ...expression(atVersion(version)) }, conflict };
}

/**
 * Adds `delta` to a count kept on an item that must exist (how many
 * environments use a registry or a cluster, how many services follow a
 * template), so the count moves in the same write as what it counts; with
 * `version`, only while the item is still at it.
 */
export function adjustCount(
  key: ItemKey,
  attribute: string,
  delta: number,
  conflict: string,
  version?: number,
): WriteOf<'Update'> {
  return {
    Update: {
      Key: key,
      UpdateExpression: 'ADD #count :delta',
      ...expression(version === undefined ? exists : atVersion(version), {
        names: { '#count': attribute },
        values: { ':delta': delta },
      }),
    },
    conflict,
  };
}

/**
 * Sets observed state (never user intent) on an item that must still exist
 * and, when `when` is given, still has those attribute values: guards against
 * writing back, as a fragment, an item deleted while the observation was
 * being made, and against recording an observation someone newer replaced.
 * `Store.annotate` is its single-item form.
 */
export function annotateExisting(
  key: ItemKey,
  changes: Record<string, unknown>,
  when: Record<string, unknown> = {},
  conflict?: string,
): WriteOf<'Update'> {
  const set = assignments(changes);
  const still = Object.entries(when).map(
    ([name, value], index): Condition => ({
      expression: `#w${index} = :w${index}`,
      names: { [`#w${index}`]: name },
      values: { [`:w${index}`]: value },
    }),
  );
  return {
    Update: {
      Key: key,
      UpdateExpression: `SET ${set.expressions.join(', ')}`,
      ...expression(exists, ...still, { names: set.names, values: set.values }),
    },
    conflict,
  };
}

/** Puts an item whatever is there: for items only this transaction's condition-checked writes lead to. */
export function putItem(item: Item): WriteOf<'Put'> {
  return { Put: { Item: item } };
}

/** Deletes an item if it is there: for items that belong to one deleted (or checked) in the same transaction. */
export function deleteItem(key: ItemKey): WriteOf<'Delete'> {
  return { Delete: { Key: key } };
}

/**
 * Claims a key for `owner` (a host port for an order): written when nobody
 * holds it or `owner` already does, so two owners racing for one key cannot
 * both hold it.
 */
export function claimItem(
  key: ItemKey,
  owner: string,
  attributes: Record<string, unknown>,
  conflict: string,
): WriteOf<'Put'> {
  return { Put: { Item: { ...attributes, owner, ...key }, ...expression(heldBy(owner)) }, conflict };
}

/** Gives a claim up, only if `owner` still holds it: a release never frees what another owner claimed since. */
export function releaseClaim(key: ItemKey, owner: string): WriteOf<'Delete'> {
  return { Delete: { Key: key, ...expression(heldBy(owner)) } };
}

/** `SET` assignments of `changes`, each attribute and value behind a placeholder (any name is safe). */
export function assignments(changes: Record<string, unknown>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const expressions = Object.entries(changes).map(([name, value], index) => {
    names[`#a${index}`] = name;
    values[`:v${index}`] = value;
    return `#a${index} = :v${index}`;
  });
  return { expressions, names, values };
}

type Condition = { expression?: string; names?: Record<string, string>; values?: Record<string, unknown> };

const exists: Condition = { expression: 'attribute_exists(pk)' };

const atVersion = (version: number): Condition => ({
  expression: '#version = :version',
  names: { '#version': 'version' },
  values: { ':version': version },
});

const heldBy = (owner: string): Condition => ({
  expression: '(attribute_not_exists(pk) OR #owner = :owner)',
  names: { '#owner': 'owner' },
  values: { ':owner': owner },
});

const unused = (countAttribute: string): Condition => ({
  expression: '(attribute_not_exists(#count) OR #count <= :zero)',
  names: { '#count': countAttribute },
  values: { ':zero': 0 },
});

/** The condition (all of `parts` that have one) and every placeholder the parts use. */
function expression(...parts: Condition[]) {
  const condition = parts.flatMap((part) => (part.expression ? [part.expression] : [])).join(' AND ');
  const names = Object.assign({}, ...parts.map((part) => part.names));
  const values = Object.assign({}, ...parts.map((part) => part.values));
  return {
    ConditionExpression: condition,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

/**
 * Takes a lease on `key` for `holder` until `until` (epoch ms), creating the
 * item when absent. Guards against two workers acting on one target at once:
 * the lease is taken only when nobody holds it, it has run out (a holder that
 * died), or `holder` already holds it. Released with `Store.annotate`, on
 * condition that the holder still holds it.
 */
export function takeLease(
  key: ItemKey,
  holder: string,
  until: number,
  now: number,
  conflict?: string,
): WriteOf<'Update'> {
  return {
    Update: {
      Key: key,
      UpdateExpression: 'SET #holder = :holder, #until = :until',
      ConditionExpression: 'attribute_not_exists(#until) OR #until < :now OR #holder = :holder',
      ExpressionAttributeNames: { '#holder': 'leaseHolder', '#until': 'leaseUntil' },
      ExpressionAttributeValues: { ':holder': holder, ':until': until, ':now': now },
    },
    conflict,
  };
}

/**
 * Puts a new item, or replaces one left `in-flight` whose `inFlightUntil`
 * (epoch ms) has passed. Guards against two requests with one idempotency
 * key both acting: of two racing, one creates the marker and the other
 * fails; a finished answer (no longer in flight) is never replaced, and a
 * marker whose request died mid-way frees the key by itself.
 */
export function createIfAbsentOrAbandoned(item: Item, now: number, conflict?: string): WriteOf<'Put'> {
  return {
    Put: {
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk) OR (#state = :inFlight AND #until < :now)',
      ExpressionAttributeNames: { '#state': 'state', '#until': 'inFlightUntil' },
      ExpressionAttributeValues: { ':inFlight': 'in-flight', ':now': now },
    },
    conflict,
  };
}
