/**
 * Every key the table holds, in one place. Items of a small collection share a
 * partition so that listing them is one strongly consistent Query; lookups by
 * something other than the id get their own item, written in the same
 * transaction as the aggregate.
 *
 * | item            | pk                  | sk                 |
 * |-----------------|---------------------|--------------------|
 * | API token       | `TOKENS`            | `TOKEN#<id>`       |
 * | token by hash   | `TOKENHASH#<sha256>`| `TOKENHASH`        |
 * | cluster         | `CLUSTERS`          | `CLUSTER#<id>`     |
 * | id counter      | `COUNTER#<name>`    | `COUNTER`          |
 */
export type ItemKey = { pk: string; sk: string };

export const keys = {
  token: (id: string): ItemKey => ({ pk: 'TOKENS', sk: `TOKEN#${id}` }),
  tokens: { pk: 'TOKENS', skPrefix: 'TOKEN#' },
  tokenByHash: (hash: string): ItemKey => ({ pk: `TOKENHASH#${hash}`, sk: 'TOKENHASH' }),
  cluster: (id: string): ItemKey => ({ pk: 'CLUSTERS', sk: `CLUSTER#${id}` }),
  clusters: { pk: 'CLUSTERS', skPrefix: 'CLUSTER#' },
  counter: (name: string): ItemKey => ({ pk: `COUNTER#${name}`, sk: 'COUNTER' }),
} as const;

/** The partition + sort-key prefix a list reads. */
export type Collection = { pk: string; skPrefix: string };
