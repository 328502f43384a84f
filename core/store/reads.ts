import type { ItemKey } from './keys.ts';
import type { Store } from './store.ts';

const keyOf = ({ pk, sk }: ItemKey) => `${pk}\u0000${sk}`;

/**
 * The items at `itemKeys`, each in its key's place (undefined where there is
 * none), strongly consistent: one BatchGetItem for what a request needs
 * together, where a GetItem each is a request per item.
 */
export async function getEach(store: Store, itemKeys: readonly ItemKey[]): Promise<unknown[]> {
  const found = new Map((await store.getAll<ItemKey>(itemKeys)).map((item) => [keyOf(item), item]));
  return itemKeys.map((key) => found.get(keyOf(key)));
}
