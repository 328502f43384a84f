import { randomBytes } from 'node:crypto';
import { dialects } from '../functions/docs/dialects.ts';
import type { RouteContract } from '../functions/http/contract.ts';
import { createGroupApps, type GroupApps } from '../functions/local/group-apps.ts';
import { loadConfig } from '../functions/runtime/config.ts';
import { createAuthenticator } from '../functions/runtime/core-context.ts';
import { lazyHelm } from '../functions/runtime/helm.ts';
import { call, routePath } from '../test/support/http.ts';
import { at, type Json } from '../test/support/json.ts';
import { startOciRegistry } from '../test/support/oci-registry.ts';
import { counted, type Figure } from './figures.ts';
import { benchConnections, benchKubeconfig, deleteNamespaces, startBenchDynamo, uniqueSuffix } from './harness.ts';
import { startBenchWorker } from './stream-worker.ts';
import { type Peek, type Send, State, type Step, type World, writeScenario } from './write-scenario.ts';

/** Every route contract by `group.name`, as the route-wiring tests walk them. */
const contracts = new Map(
  dialects.flatMap((dialect) =>
    Object.entries(dialect.routes).map(([name, contract]): [string, RouteContract] => [
      `${dialect.tag}.${name}`,
      contract,
    ]),
  ),
);
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/** Refuses a scenario that leaves a mutating route out (or names a route no contract declares). */
function requireEveryWriteRoute(steps: readonly Step[]): void {
  const stepped = new Set(steps.map((step) => step.route));
  const unknown = [...stepped].filter((route) => !MUTATING.has(contracts.get(route)?.method ?? 'get'));
  const missing = [...contracts]
    .filter(([route, contract]) => MUTATING.has(contract.method) && !stepped.has(route))
    .map(([route]) => route);
  if (unknown.length > 0 || missing.length > 0)
    throw new Error(
      `the writes scenario must measure every mutating route: ${[
        missing.length > 0 ? `no step for ${missing.join(', ')}` : '',
        unknown.length > 0 ? `steps for what is not a mutating route: ${unknown.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
}

/** A failed answer: an error status, or a dialect's error code in a 200 (K8s-service answers errors that way). */
const failed = (status: number, json: Json | undefined) =>
  status >= 300 ||
  (typeof json === 'object' && json !== null && !Array.isArray(json) && typeof json['code'] === 'number'
    ? json['code'] >= 300
    : false);

const commands = (byCommand: Record<string, number>) =>
  Object.entries(byCommand)
    .map(([command, count]) => `${command.replace(/Command$/, '')} ${count}`)
    .join(', ');

/**
 * Writes: the DynamoDB requests (every request the client sends, reads
 * included) of one request to each mutating route of every group, counted
 * with a client middleware; and the requests the stream worker then made for
 * that request's table changes (and for the changes its own writes made), on
 * a client of its own. The scenario must name every mutating route of the
 * route contracts: a new route without a step fails the bench. A route the
 * scenario calls more than once is reported at its first call.
 */
export async function measureWrites(): Promise<Figure[]> {
  const kubeconfig = await benchKubeconfig();
  const registry = await startOciRegistry();
  const suffix = uniqueSuffix();
  const world: World = {
    kubeconfig,
    registry,
    suffix,
    namespaces: {
      test: `bench-writes-${suffix}`,
      production: `bench-writes-prod-${suffix}`,
      late: `bench-writes-late-${suffix}`,
      helm: `bench-writes-helm-${suffix}`,
    },
    oteNamespace: `bench-ote-${suffix}`,
    chartNamespace: `bench-charts-${suffix}`,
    hostPort: 20000 + Math.floor(Math.random() * 20000),
  };
  const steps = writeScenario(world);
  requireEveryWriteRoute(steps);

  const dynamo = await startBenchDynamo('bench-writes');
  const helm = lazyHelm();
  const ctx = { ...dynamo.ctx, helm };
  const adminToken = `bench-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    BERTH_TABLE: dynamo.tableName,
    BERTH_ADMIN_TOKEN: adminToken,
    AWS_REGION: 'local',
    BERTH_K8S_SERVICE_CLUSTER: 'local',
    BERTH_LOCAL_MODE: 'true',
  });
  const apps = createGroupApps({
    ctx,
    connections: benchConnections(ctx),
    authenticate: createAuthenticator(ctx, config),
    config,
    log: () => {},
  });
  const worker = dynamo.anotherContext();
  const workerCtx = { ...worker.ctx, helm };
  const streamWorker = await startBenchWorker({
    endpoint: dynamo.endpoint,
    streamArn: dynamo.streamArn,
    ctx: workerCtx,
    connections: benchConnections(workerCtx),
  });

  const state = new State();
  const exchange = async (route: string, send: Send) => {
    const contract = contracts.get(route);
    if (!contract) throw new Error(`no route contract ${route}`);
    const token = send.as === 'none' ? undefined : send.as === 'user' ? state.get('userToken') : adminToken;
    const answer = await call(
      apps[route.split('.')[0] as keyof GroupApps],
      routePath(contract, send.params, send.query),
      {
        method: contract.method.toUpperCase(),
        ...(token ? { token } : {}),
        ...(send.json === undefined ? {} : { json: send.json }),
        ...(send.form ? { form: send.form } : {}),
        ...(send.multipart ? { multipart: send.multipart } : {}),
        ...(send.body === undefined ? {} : { body: send.body }),
        ...(send.headers ? { headers: send.headers } : {}),
      },
    );
    if (failed(answer.status, answer.json)) throw new Error(`${route}: ${answer.status} ${answer.text}`);
    return answer.json ?? null;
  };
  const peek: Peek = exchange;

  const figures: Figure[] = [];
  const rows: string[] = [];
  const measured = new Set<string>();
  try {
    for (const step of steps) {
      const send = typeof step.send === 'function' ? await step.send(state, peek) : (step.send ?? {});
      dynamo.counter.reset();
      worker.counter.reset();
      const answer = await exchange(step.route, send);
      const request = { count: dynamo.counter.requests, commands: commands(dynamo.counter.byCommand) };
      step.keep?.(answer, state);
      await streamWorker.settle();
      const work = { count: worker.counter.requests, commands: commands(worker.counter.byCommand) };
      await checkOperation(step, answer, peek);
      await step.check?.(state, peek);
      if (measured.has(step.route)) continue;
      measured.add(step.route);
      const contract = contracts.get(step.route)!;
      const measure = `${step.route} (${contract.method.toUpperCase()} ${contract.path})`;
      figures.push(counted('writes', `${measure}: request`, 'requests', request.count));
      if (work.count > 0) figures.push(counted('writes', `${measure}: worker`, 'requests', work.count));
      rows.push(`| ${step.route} | ${request.count} | ${request.commands} | ${work.count} | ${work.commands} |`);
    }
  } finally {
    await streamWorker.stop();
    await deleteNamespaces(kubeconfig, Object.values(world.namespaces));
    await dynamo.stop();
    await registry.stop();
  }
  console.log('\n| route | request | its requests | worker | the worker’s requests |\n|---|---:|---|---:|---|');
  for (const row of rows) console.log(row);
  return figures;
}

/** An answer naming an operation: once the worker settled, the operation must have ended as the step expects. */
async function checkOperation(step: Step, answer: Json, peek: Peek): Promise<void> {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer) || !answer['operation_id']) return;
  const operation = await peek('zadig-environment.getOperation', { params: { id: String(answer['operation_id']) } });
  const expected = step.operation ?? 'success';
  if (at(operation, 'state') !== expected)
    throw new Error(`${step.route}: operation ended ${JSON.stringify(operation)}, not ${expected}`);
}
