import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { renderService, serviceVariables } from '../core/render/index.ts';
import { keys } from '../core/store/keys.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTable } from '../functions/local/ensure-table.ts';
import { loadConfig } from '../functions/runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../functions/runtime/core-context.ts';
import { createZadigServiceApp } from '../functions/zadig-service/app.ts';
import { SERVICE2 } from '../test/support/service2.ts';

const ADMIN = `bench-${randomBytes(8).toString('hex')}`;

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/** Seeds `count` services (each like the spec's service2) straight into the table, 25 per batch. */
async function seedServices(client: DynamoDBDocumentClient, table: string, project: string, count: number) {
  const variables = serviceVariables(SERVICE2, [
    { key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: '' },
  ]);
  const containers = [
    { name: 'service2', image: 'koderover.******.com/koderover-demo/service2:latest', image_name: 'service2' },
  ];
  const now = new Date().toISOString();
  for (let start = 0; start < count; start += 25) {
    const items = Array.from({ length: Math.min(25, count - start) }, (_, offset) => {
      const name = `service-${String(start + offset).padStart(5, '0')}`;
      return {
        PutRequest: {
          Item: {
            ...keys.service(project, 'test', name),
            entity: 'service',
            project,
            scope: 'test',
            name,
            yaml: SERVICE2,
            variables,
            containers,
            autoSync: false,
            labels: [],
            revision: 1,
            createdBy: 'bench',
            createdAt: now,
            updatedBy: 'bench',
            updatedAt: now,
            version: 1,
          },
        },
      };
    });
    await client.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
  }
}

/**
 * Issue 4's figures: the service list of a project of 10 and of 5,000
 * services (in one table, so the small one shows the list does not read the
 * table's other items), and the render time of the spec's service2 template.
 */
export async function measureZadigServices(): Promise<Array<[string, string]>> {
  const dynamo = await startDynamoDbLocal();
  try {
    const table = 'bench-zadig';
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTable(raw, table);
    const client = DynamoDBDocumentClient.from(raw);
    process.env['AWS_ACCESS_KEY_ID'] ??= 'x';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'x';
    const config = loadConfig({
      BERTH_TABLE: table,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'local',
      BERTH_ADMIN_TOKEN: ADMIN,
    });
    const ctx = createCoreContext(config);
    const app = createZadigServiceApp({ ctx, authenticate: createAuthenticator(ctx, config), log: () => {} });
    const request = (path: string) => app.request(path, { headers: { authorization: `Bearer ${ADMIN}` } });
    for (const [project, count] of [
      ['small', 10],
      ['big', 5000],
    ] as const) {
      await app.request('/openapi/projects/project', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project_key: project, project_name: project, project_type: 'yaml' }),
      });
      await seedServices(client, table, project, count);
    }

    const rows: Array<[string, string]> = [];
    for (const [project, count, runs] of [
      ['small', 10, 50],
      ['big', 5000, 10],
    ] as const) {
      const samples: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        const response = await request(`/openapi/service/yaml/services?projectKey=${project}`);
        const body = (await response.json()) as { service: unknown[] };
        samples.push(performance.now() - started);
        if (body.service.length !== count) throw new Error(`listed ${body.service.length} services, expected ${count}`);
      }
      rows.push([
        `service list, ${count} services in the project (table holds 5,010), median of ${runs}`,
        `${median(samples).toFixed(1)} ms`,
      ]);
    }

    const variables = serviceVariables(SERVICE2, [
      { key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: '' },
      { key: 'world', value: 'hello', type: 'string', options: [], desc: '' },
      { key: 'port', value: '20221', type: 'string', options: [], desc: '' },
      { key: 'memoryLimit', value: '100Mi', type: 'string', options: [], desc: '' },
    ]);
    const renders: number[] = [];
    for (let run = 0; run < 2000; run++) {
      const started = performance.now();
      renderService({ template: SERVICE2, variables });
      renders.push(performance.now() - started);
    }
    rows.push([
      'render of the spec’s service2 template (template + variables + manifest checks), median of 2,000',
      `${(median(renders) * 1000).toFixed(0)} µs`,
    ]);
    raw.destroy();
    return rows;
  } finally {
    await dynamo.stop();
  }
}
