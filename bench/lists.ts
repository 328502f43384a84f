import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { listApps } from '../core/apps/manage-apps.ts';
import { keys } from '../core/store/keys.ts';
import { counted, timed, versus, type Figure } from './figures.ts';
import { admin, startBenchDynamo, type BenchDynamo } from './harness.ts';

const RUNS = 21;

/**
 * Paged lists: a page of 10 of a project's services, first and
 * middle, in a project of 10 and one of 5,000 services (both in the same
 * table), read through the Store's cursor paging every paged list uses. The
 * 5,000-service page is timed next to the 10-service one; the items each
 * page read (ScannedCount) and its requests are counted.
 */
/** Both kinds of paging, each in its own tables. */
export async function measureLists(): Promise<Figure[]> {
  return [...(await measureCursorPages()), ...(await measurePageNumberLists())];
}

async function measureCursorPages(): Promise<Figure[]> {
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

/**
 * A page-number list as a dialect route serves it: ote-stack's applications
 * (`GET /v1/app`, `pageNum`/`pageSize`, answering the total), a page of 10,
 * first and middle, among 10 and among 5,000 applications (one table each,
 * since applications are not per project). Such a list is read whole: its
 * total counts the matches, the caller sees only its projects' applications,
 * and a name may match anywhere (`partial`), none of which DynamoDB can
 * count or skip without reading. The figures say what that costs.
 */
async function measurePageNumberLists(): Promise<Figure[]> {
  const stores = await Promise.all([seedApps('bench-apps-10', 10), seedApps('bench-apps-5000', 5000)]);
  const [small, big] = stores;
  const figures: Figure[] = [];
  try {
    const page = (dynamo: BenchDynamo, pageNum: number) =>
      listApps({
        ctx: dynamo.ctx,
        principal: admin,
        filter: { appNameMode: 'partial' },
        paging: { page: pageNum, pageSize: 10, order: 'desc' },
      });
    await page(small!, 1);
    await page(big!, 250);
    const smallMs = await timed(RUNS, () => page(small!, 1));
    for (const [label, pageNum] of [
      ['first page', 1],
      ['middle page', 250],
    ] as const) {
      const bigMs = await timed(RUNS, () => page(big!, pageNum));
      big!.counter.reset();
      await page(big!, pageNum);
      figures.push(
        versus(
          'lists',
          `ote-stack applications, ${label} of 10 among 5,000 (median of ${RUNS})`,
          'ms',
          bigMs,
          { name: 'first page among 10 applications', value: smallMs },
          1.5,
        ),
        counted(
          'lists',
          `ote-stack applications, ${label} of 10 among 5,000: items read`,
          'items',
          big!.counter.scanned,
          11,
        ),
      );
    }
  } finally {
    await Promise.all(stores.map((dynamo) => dynamo?.stop()));
  }
  return figures;
}

async function seedApps(tableName: string, count: number): Promise<BenchDynamo> {
  const dynamo = await startBenchDynamo(tableName);
  const now = new Date().toISOString();
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, offset) => {
      const id = start + offset + 1;
      return {
        PutRequest: {
          Item: {
            ...keys.oteApp(id),
            entity: 'ote-app',
            id,
            appName: `app-${id}`,
            projectName: 'bench',
            appVersion: '1.0',
            repositoryId: 1,
            image: 'bench/app:1.0',
            createdBy: 'admin',
            createdAt: now,
            updatedAt: now,
            version: 1,
          },
        },
      };
    });
    await dynamo.client.send(new BatchWriteCommand({ RequestItems: { [tableName]: items } }));
  }
  return dynamo;
}
