import { createDocumentClient, createDynamoStore, type StoreConfig } from './store/dynamo-store.ts';
import type { Store } from './store/store.ts';

export { createTableInput, tableShape } from './store/table.ts';
export type { StoreConfig };

/**
 * What composition roots build the store from: the table's name and where it
 * is. The adapter behind the port stays inside `core/store/`.
 */
export function createStore(config: StoreConfig): Store {
  return createDynamoStore({ client: createDocumentClient(config), tableName: config.tableName });
}
