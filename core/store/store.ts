import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Collection, ItemKey } from './keys.ts';

export type StoreConfig = { tableName: string; endpoint?: string; region?: string };

export type Page<T> = { items: T[]; cursor?: string };

/** Every aggregate carries the version its last write was conditioned on. */
export type Versioned = { version: number };

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
/** A transaction item; the store fills in its own table name. */
export type TransactItem = {
  [Op in keyof TransactItems[number]]?: Omit<NonNullable<TransactItems[number][Op]>, 'TableName'>;
};

/**
 * The DynamoDB adapter: a thin layer over the document client that turns a
 * failed condition into a domain ConflictError and every list into a Query with
 * a limit and an opaque cursor.
 */
export type Store = ReturnType<typeof createStore>;

export function createDocumentClient(config: StoreConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    // A stalled table must fail the request, not hold it until the Lambda times out.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createStore({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }) {
  const TableName = tableName;

  async function get<T>(key: ItemKey): Promise<T | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return Item as T | undefined;
  }

  /** Creates an item; a second create of the same key is a Conflict. */
  async function create(key: ItemKey, attributes: Record<string, unknown>, conflictMessage: string): Promise<void> {
    await conditionally(conflictMessage, () =>
      client.send(
        new PutCommand({
          TableName,
          Item: { ...attributes, ...key },
          // Guards against two creators of the same id both believing they won.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * Sets `changes` on an existing item if it is still at `expectedVersion`,
   * and bumps the version. Returns the item as written.
   */
  async function update<T extends Versioned>(
    key: ItemKey,
    expectedVersion: number,
    changes: Record<string, unknown>,
    conflictMessage: string,
  ): Promise<T> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
    const assignments = Object.entries(changes).map(([name, value], index) => {
      names[`#a${index}`] = name;
      values[`:v${index}`] = value;
      return `#a${index} = :v${index}`;
    });
    const result = await conditionally(conflictMessage, () =>
      client.send(
        new UpdateCommand({
          TableName,
          Key: key,
          UpdateExpression: `SET ${[...assignments, '#version = #version + :one'].join(', ')}`,
          // Guards against a lost update: another writer that read the same
          // version and wrote first makes this write fail instead of overwrite.
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result.Attributes as T;
  }

  /**
   * Sets observed-state attributes (never user intent) on an item that still
   * exists and, when `when` is given, still has those attribute values.
   * Answers whether it was written.
   */
  async function annotate(
    key: ItemKey,
    changes: Record<string, unknown>,
    when: Record<string, unknown> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const assignments = Object.entries(changes).map(([name, value], index) => {
      names[`#a${index}`] = name;
      values[`:v${index}`] = value;
      return `#a${index} = :v${index}`;
    });
    const conditions = Object.entries(when).map(([name, value], index) => {
      names[`#w${index}`] = name;
      values[`:w${index}`] = value;
      return `#w${index} = :w${index}`;
    });
    try {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: key,
          UpdateExpression: `SET ${assignments.join(', ')}`,
          // The item may have been deleted (or moved on) while the observation was made.
          ConditionExpression: ['attribute_exists(pk)', ...conditions].join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Deletes many items, 25 per request, retrying what DynamoDB leaves unprocessed. */
  async function removeAll(itemKeys: readonly ItemKey[]): Promise<void> {
    await batchWrite(itemKeys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } })));
  }

  /** Writes many new items (no condition: for items nothing else can know of yet), 25 per request. */
  async function putAll(items: ReadonlyArray<ItemKey & Record<string, unknown>>): Promise<void> {
    await batchWrite(items.map((item) => ({ PutRequest: { Item: item } })));
  }

  async function batchWrite(all: Array<Record<string, unknown>>): Promise<void> {
    for (let start = 0; start < all.length; start += 25) {
      let requests = all.slice(start, start + 25);
      for (let attempt = 0; requests.length > 0; attempt++) {
        const { UnprocessedItems } = await client.send(
          new BatchWriteCommand({ RequestItems: { [TableName]: requests } }),
        );
        requests = (UnprocessedItems?.[TableName] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  async function remove(key: ItemKey): Promise<boolean> {
    const { Attributes } = await client.send(new DeleteCommand({ TableName, Key: key, ReturnValues: 'ALL_OLD' }));
    return Attributes !== undefined;
  }

  async function list<T>(
    collection: Collection,
    options: { limit: number; cursor?: string | undefined; attributes?: readonly string[] },
  ): Promise<Page<T>> {
    const startKey = decodeCursor(options.cursor, collection);
    const projection = options.attributes ? projectionOf(['pk', 'sk', ...options.attributes]) : undefined;
    const { Items = [], LastEvaluatedKey } = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeValues: { ':pk': collection.pk, ':prefix': collection.skPrefix },
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', ...projection?.names },
        ...(projection ? { ProjectionExpression: projection.expression } : {}),
        Limit: options.limit,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const cursor = encodeCursor(LastEvaluatedKey);
    return cursor ? { items: Items as T[], cursor } : { items: Items as T[] };
  }

  /** Every item of a collection, page by page (for lists the specs return whole). */
  async function listAll<T>(collection: Collection, options: { attributes?: readonly string[] } = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await list<T>(collection, { limit: 1000, cursor, ...options });
      items.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return items;
  }

  /** How many items a collection holds, without reading them. */
  async function count(collection: Collection): Promise<number> {
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': collection.pk, ':prefix': collection.skPrefix },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  /**
   * All-or-nothing writes for invariants that span items. A failed condition
   * is a Conflict carrying the message of the first item whose condition
   * failed (an item's `conflict`), or `conflictMessage`.
   */
  async function transact(items: Array<TransactItem & { conflict?: string }>, conflictMessage: string): Promise<void> {
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: items.map(({ conflict: _, ...item }) => withTable(item, TableName)),
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (failed >= 0) throw new ConflictError(items[failed]?.conflict ?? conflictMessage);
        // Another transaction held one of the items (real DynamoDB; DynamoDB Local serializes): the same race, lost.
        if (reasons.some((reason) => reason.Code === 'TransactionConflict')) throw new ConflictError(conflictMessage);
      }
      if (error instanceof TransactionConflictException) throw new ConflictError(conflictMessage);
      throw error;
    }
  }

  /** Atomically increments a named counter and returns the new value: integer ids without races. */
  async function nextId(counter: ItemKey): Promise<number> {
    const { Attributes } = await client.send(
      new UpdateCommand({
        TableName,
        Key: counter,
        UpdateExpression: 'ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.['value']);
  }

  return {
    tableName,
    get,
    create,
    update,
    annotate,
    remove,
    removeAll,
    putAll,
    list,
    listAll,
    count,
    transact,
    nextId,
  };
}

/**
 * A transaction item adding `delta` to a count kept on an item that must
 * exist (how many environments use a registry, how many services follow a
 * template), so the count moves in the same write as what it counts.
 */
export function adjustCount(
  key: ItemKey,
  attribute: string,
  delta: number,
  conflict: string,
): TransactItem & { conflict: string } {
  return {
    Update: {
      Key: key,
      UpdateExpression: 'ADD #count :delta',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#count': attribute },
      ExpressionAttributeValues: { ':delta': delta },
    },
    conflict,
  };
}

function projectionOf(attributes: readonly string[]) {
  const names = Object.fromEntries(attributes.map((name, index) => [`#p${index}`, name]));
  return { names, expression: Object.keys(names).join(', ') };
}

function withTable(item: TransactItem, TableName: string): TransactItems[number] {
  if (item.Put) return { Put: { ...item.Put, TableName } };
  if (item.Update) return { Update: { ...item.Update, TableName } };
  if (item.Delete) return { Delete: { ...item.Delete, TableName } };
  if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, TableName } };
  throw new Error('a transaction item needs one of Put, Update, Delete or ConditionCheck');
}

async function conditionally<T>(conflictMessage: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ConflictError(conflictMessage);
    throw error;
  }
}
