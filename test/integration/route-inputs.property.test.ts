import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { QUERY_FAILED } from '../../functions/k8s-service/errors.ts';
import { call, type Exchange } from '../support/http.ts';
import { requestFor, type FuzzedRequest } from '../support/input-arbitraries.ts';
import { declaredRoutes } from '../support/route-wiring.ts';

/** Fixed, so a failure replays; fast-check prints the seed and path of any counterexample. */
const SEED = 20261203;
const CASES_PER_ROUTE = 25;

let berth: Harness;
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  berth = await createHarness();
  table = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: inject('dynamoEndpoint') }));
});
afterAll(async () => {
  table?.destroy();
  await berth?.close();
});

/** A digest of every item in this file's table: equal before and after means nothing was written. */
async function tableDigest(): Promise<string> {
  const hash = createHash('sha256');
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.send(
      new ScanCommand({ TableName: berth.config.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    const items = (page.Items ?? []).map((item) => JSON.stringify(item, Object.keys(item).sort())).sort();
    for (const item of items) hash.update(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return hash.digest('hex');
}

const send = (group: keyof Harness['apps'], request: FuzzedRequest) =>
  call(berth.apps[group], request.path, {
    method: request.method,
    token: ADMIN_TOKEN,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });

/**
 * How the request ended, as its dialect tells it. K8s-service answers HTTP 200
 * with the outcome in `code` (201: the request was wrong; 500: the cluster could
 * not be queried). No cluster is registered here, so a route that reaches for one
 * gets the dialect's "cluster unavailable" answer: that one 5xx is expected, named
 * `cluster-unavailable`, and must still write nothing.
 */
function outcomeOf(group: string, answer: Exchange): string {
  const envelope =
    group === 'k8s-service' && answer.status === 200 ? (answer.json as { code?: unknown; message?: unknown }) : {};
  const code = typeof envelope.code === 'number' ? envelope.code : undefined;
  if (code === 500 && envelope.message === QUERY_FAILED) return 'cluster-unavailable';
  const status = code ?? answer.status;
  return status < 300 && code !== 201 ? 'ok' : String(status);
}

const counts: Record<string, Record<string, number>> = {};

describe('every route, given random and boundary input with an admin token', () => {
  for (const route of declaredRoutes) {
    const name = `${route.group}.${route.name}`;
    it(`${name} (${route.method} ${route.contract.path}) never answers 5xx and writes nothing when it refuses`, async () => {
      const seen: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(requestFor(route.contract), async (request) => {
          const before = await tableDigest();
          const answer = await send(route.group as keyof Harness['apps'], request);
          const outcome = outcomeOf(route.group, answer);
          seen[outcome] = (seen[outcome] ?? 0) + 1;
          const unhandled = berth.logs.findLast((line) => line['msg'] === 'unhandled error');
          expect(outcome, `${request.method} ${request.path}: ${answer.text} ${JSON.stringify(unhandled)}`).not.toMatch(
            /^5/,
          );
          if (outcome !== 'ok') expect(await tableDigest(), `${outcome} ${answer.text}`).toBe(before);
        }),
        { seed: SEED, numRuns: CASES_PER_ROUTE, endOnFailure: true },
      );
      counts[name] = seen;
    });
  }

  afterAll(() => {
    const outcomes: Record<string, number> = {};
    for (const seen of Object.values(counts))
      for (const [outcome, times] of Object.entries(seen)) outcomes[outcome] = (outcomes[outcome] ?? 0) + times;
    console.info(`route input properties: ${Object.keys(counts).length} routes, outcomes ${JSON.stringify(outcomes)}`);
  });
});
