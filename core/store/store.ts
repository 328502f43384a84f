import type { Collection, ItemKey } from './keys.ts';
import type { Write } from './writes.ts';

export type Page<T> = { items: T[]; cursor?: string };

/** Every aggregate carries the version its last write was conditioned on. */
export type Versioned = { version: number };

/**
 * The port to the table: keyed reads, collection lists with an opaque cursor,
 * and writes whose failed condition is a domain ConflictError. The
 * conditional writes are the named ones of `writes.ts`; `create` and `update`
 * are the single-item forms of `createIfAbsent` and `updateAtVersion`.
 */
export interface Store {
  get<T>(key: ItemKey): Promise<T | undefined>;
  /** The items of `keys` that exist, strongly consistent, in no particular order (100 keys per request). */
  getAll<T>(keys: readonly ItemKey[]): Promise<T[]>;
  /** Creates an item; a second create of the same key is a Conflict. */
  create(key: ItemKey, attributes: Record<string, unknown>, conflictMessage: string): Promise<void>;
  /**
   * Sets `changes` on an existing item if it is still at `expectedVersion`,
   * and bumps the version. Returns the item as written.
   */
  update<T extends Versioned>(
    key: ItemKey,
    expectedVersion: number,
    changes: Record<string, unknown>,
    conflictMessage: string,
  ): Promise<T>;
  /**
   * Sets observed-state attributes (never user intent) on an item that still
   * exists and, when `when` is given, still has those attribute values.
   * Answers whether it was written.
   */
  annotate(key: ItemKey, changes: Record<string, unknown>, when?: Record<string, unknown>): Promise<boolean>;
  /** Deletes an item; answers whether it was there. */
  remove(key: ItemKey): Promise<boolean>;
  /** Deletes many items (no condition). */
  removeAll(itemKeys: readonly ItemKey[]): Promise<void>;
  /** Writes many new items (no condition: for items nothing else can know of yet). */
  putAll(items: ReadonlyArray<ItemKey & Record<string, unknown>>): Promise<void>;
  list<T>(
    collection: Collection,
    options: { limit: number; cursor?: string | undefined; attributes?: readonly string[] },
  ): Promise<Page<T>>;
  /** Every item of a collection, page by page (for lists the specs return whole). */
  listAll<T>(collection: Collection, options?: { attributes?: readonly string[] }): Promise<T[]>;
  /** How many items a collection holds, without reading them. */
  count(collection: Collection): Promise<number>;
  /**
   * All-or-nothing writes for invariants that span items. A failed condition
   * is a Conflict carrying the message of the first write whose condition
   * failed (its `conflict`), or `conflictMessage`.
   */
  transact(writes: Write[], conflictMessage: string): Promise<void>;
  /** Atomically increments a named counter and returns the new value: integer ids without races. */
  nextId(counter: ItemKey): Promise<number>;
}
