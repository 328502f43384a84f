import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../core/store/keys.ts';
import { counted, timed, versus, type Figure } from './figures.ts';
import { startBenchDynamo } from './harness.ts';

const RUNS = 21;

/**
 * Paged lists: a page of 10 of a project's services, first and
 * middle, in a project of 10 and one of 5,000 services (both in the same
 * table), read through the Store's cursor paging every paged list uses. The
 * 5,000-service page is timed next to the 10-service one; the items each
 * page read (ScannedCount) and its requests are counted.
 */
export async function measureLists(): Promise<Figure[]> {
  const dynamo = await startBenchDynamo('bench-lists');
  const { ctx, counter, client, tableName } = dynamo;
  const figures: Figure[] = [];
  // A page as large as the small project, so both pages return the same items and only the collection differs.
  const limit = 10;
  try {
    for (const [project, count] of [
      ['small', 10],
      ['big', 5000],
    ] as const) {
      for (let start = 0; start < count; start += 25) {
        const items = Array.from({ length: Math.min(25, count - start) }, (_, offset) => {
          const name = `service-${String(start + offset).padStart(5, '0')}`;
          return {
            PutRequest: {
              Item: { ...keys.service(project, 'test', name), entity: 'service', name, yaml: 'x'.repeat(2000) },
            },
          };
        });
        await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: items } }));
      }
    }
    const page = async (project: string, cursor?: string) =>
      ctx.store.list(keys.services(project, 'test'), { limit, cursor });
    /** The cursor of the page in the middle of the big project. */
    let middle: string | undefined;
    for (let index = 0; index < 5000 / limit / 2; index++) middle = (await page('big', middle)).cursor;

    await page('small');
    await page('big', middle);
    const small = await timed(RUNS, () => page('small'));
    for (const [label, cursor] of [
      ['first page', undefined],
      ['middle page', middle],
    ] as const) {
      const big = await timed(RUNS, () => page('big', cursor));
      counter.reset();
      await page('big', cursor);
      figures.push(
        versus(
          'lists',
          `${label} of ${limit}, project of 5,000 services (median of ${RUNS})`,
          'ms',
          big,
          { name: 'page of the 10-service project', value: small },
          1.5,
        ),
        counted('lists', `${label} of ${limit}, project of 5,000: items read`, 'items', counter.scanned, limit + 1),
        counted('lists', `${label} of ${limit}, project of 5,000: requests`, 'requests', counter.requests, 1),
      );
    }
  } finally {
    await dynamo.stop();
  }
  return figures;
}
