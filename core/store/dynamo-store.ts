import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
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
import { mapConcurrently } from '../concurrency.ts';
import { ConflictError, ItemTooLargeError, UnavailableError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Collection, ItemKey } from './keys.ts';
import type { Page, Store, Versioned } from './store.ts';
import { annotateExisting, createIfAbsent, updateAtVersion, type TransactItem, type Write } from './writes.ts';

type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export type StoreConfig = { tableName: string; endpoint?: string; region?: string };

export function createDocumentClient(config: StoreConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    // A stalled table must fail the request, not hold it until the Lambda times out:
    // two attempts of at most 2 s to connect and 5 s to answer stay inside the 30 s function deadline.
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and waits on.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
    maxAttempts: 2,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The Store on DynamoDB: a thin layer over the document client that turns a
 * failed condition into a domain ConflictError and every list into a Query
 * with a limit and an opaque cursor.
 */
export function createDynamoStore({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): Store {
  const TableName = tableName;
  const send = sendMappingStoreErrors(client);

  async function get<T>(key: ItemKey): Promise<T | undefined> {
    const { Item } = await send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return Item as T | undefined;
  }

  async function getAll<T>(itemKeys: readonly ItemKey[]): Promise<T[]> {
    const items: T[] = [];
    const unique = [...new Map(itemKeys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
    for (let start = 0; start < unique.length; start += 100) {
      let pending: Array<Record<string, unknown>> = unique.slice(start, start + 100).map(({ pk, sk }) => ({ pk, sk }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const { Responses, UnprocessedKeys } = await send(
          new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...((Responses?.[TableName] ?? []) as T[]));
        pending = UnprocessedKeys?.[TableName]?.Keys ?? [];
      }
    }
    return items;
  }

  async function create(key: ItemKey, attributes: Record<string, unknown>, conflictMessage: string): Promise<void> {
    await conditionally(conflictMessage, () =>
      send(new PutCommand({ TableName, ...createIfAbsent({ ...attributes, ...key }).Put })),
    );
  }

  async function update<T extends Versioned>(
    key: ItemKey,
    expectedVersion: number,
    changes: Record<string, unknown>,
    conflictMessage: string,
  ): Promise<T> {
    const result = await conditionally(conflictMessage, () =>
      send(
        new UpdateCommand({
          TableName,
          ...updateAtVersion(key, expectedVersion, changes).Update,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result.Attributes as T;
  }

  async function annotate(
    key: ItemKey,
    changes: Record<string, unknown>,
    when: Record<string, unknown> = {},
  ): Promise<boolean> {
    try {
      await send(new UpdateCommand({ TableName, ...annotateExisting(key, changes, when).Update }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** 25 per request, retrying what DynamoDB leaves unprocessed. */
  async function removeAll(itemKeys: readonly ItemKey[]): Promise<void> {
    await batchWrite(itemKeys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } })));
  }

  async function putAll(items: ReadonlyArray<ItemKey & Record<string, unknown>>): Promise<void> {
    await batchWrite(items.map((item) => ({ PutRequest: { Item: item } })));
  }

  /** 25 writes per request, a few requests in flight, retrying what DynamoDB leaves unprocessed. */
  async function batchWrite(all: Array<Record<string, unknown>>): Promise<void> {
    const chunks = Array.from({ length: Math.ceil(all.length / 25) }, (_, index) =>
      all.slice(index * 25, index * 25 + 25),
    );
    await mapConcurrently(chunks, BATCH_REQUESTS_IN_FLIGHT, async (chunk) => {
      let requests = chunk;
      for (let attempt = 1; requests.length > 0; attempt++) {
        const { UnprocessedItems } = await send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } }));
        requests = (UnprocessedItems?.[TableName] ?? []) as typeof requests;
        if (requests.length > 0) await backoff(attempt);
      }
    });
  }

  async function remove(key: ItemKey): Promise<boolean> {
    const { Attributes } = await send(new DeleteCommand({ TableName, Key: key, ReturnValues: 'ALL_OLD' }));
    return Attributes !== undefined;
  }

  async function list<T>(
    collection: Collection,
    options: { limit: number; cursor?: string | undefined; attributes?: readonly string[] },
  ): Promise<Page<T>> {
    const startKey = decodeCursor(options.cursor, collection);
    const projection = options.attributes ? projectionOf(['pk', 'sk', ...options.attributes]) : undefined;
    const { Items = [], LastEvaluatedKey } = await send(
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

  async function count(collection: Collection): Promise<number> {
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await send(
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

  async function transact(items: Write[], conflictMessage: string): Promise<void> {
    try {
      await send(
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

  async function nextId(counter: ItemKey): Promise<number> {
    const { Attributes } = await send(
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
    get,
    getAll,
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

/** Batch requests one call keeps in flight: a large write (500 revisions) takes 5 round trips, not 20. */
const BATCH_REQUESTS_IN_FLIGHT = 4;

/** What DynamoDB left unprocessed (throttled) is sent again after a growing wait. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));

function projectionOf(attributes: readonly string[]) {
  const names = Object.fromEntries(attributes.map((name, index) => [`#p${index}`, name]));
  return { names, expression: Object.keys(names).join(', ') };
}

function withTable(item: TransactItem, TableName: string): TransactWriteItem {
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

/** Node's and the SDK's names for a table that cannot be reached or did not answer in time. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * The table's failures as domain errors, once the SDK has spent its retries:
 * unreachable, timed out, throttled or failing on its side is Unavailable (a
 * 503 in every dialect); an item past DynamoDB's size limit is the caller's
 * input being too large. Anything else (a failed condition, a bug) is left as it is.
 */
export function toStoreError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { code, $fault } = error as Error & { code?: string; $fault?: string };
  if (UNREACHABLE.has(error.name) || (code !== undefined && UNREACHABLE.has(code)))
    return new UnavailableError(`the table did not answer (${code ?? error.name})`, error);
  if (THROTTLED.has(error.name) || $fault === 'server')
    return new UnavailableError(`the table refused the request (${error.name})`, error);
  if (error.name === 'ValidationException' && /item size/i.test(error.message))
    return new ItemTooLargeError(error.message);
  return error;
}

function sendMappingStoreErrors(client: DynamoDBDocumentClient): DynamoDBDocumentClient['send'] {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  return ((command: unknown) =>
    send(command).catch((error: unknown) => {
      throw toStoreError(error);
    })) as DynamoDBDocumentClient['send'];
}
