import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Context, type SequenceRequest } from 'autocannon';
import { startLocalCluster } from '../scripts/local-cluster.ts';
import type { ServerMessage, ServerReport } from './load-server.ts';

/** The load: 30 s per target at 50 connections, on loopback only. */
const SECONDS = Number(process.env['BERTH_BENCH_LOAD_SECONDS'] ?? 30);
const CONNECTIONS = 50;
/**
 * What the server may keep after the load, measured on the heap after a full collection: caches that fill once
 * (discovery, pooled connections, compiled schemas) fit well within it; a leak of even a few hundred bytes per
 * request (some 10^5 requests are made) does not.
 */
export const HEAP_GROWTH_BOUND_BYTES = 16 * 1024 * 1024;

type Step = { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown; expect: number };

export type LoadTarget = {
  name: string;
  /** The requests one connection sends in turn, again and again; `n` numbers the rounds of all connections. */
  round: (n: number) => Step[];
};

export type LoadResult = {
  name: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers with another status than expected, and requests that got no answer. */
  errors: number;
  firstError: string | undefined;
};

export type LoadFigures = {
  seconds: number;
  connections: number;
  results: LoadResult[];
  berth: { before: ServerReport; after: ServerReport };
};

type Server = { url: string; adminToken: string; report(): Promise<ServerReport>; stop(): Promise<void> };

async function startServer(mode: 'berth' | 'bare', env: Record<string, string | undefined>): Promise<Server> {
  const entry = fileURLToPath(new URL('./load-server.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', '--expose-gc', entry, mode],
    // The request log goes nowhere, as it costs what it costs; stderr shows a failed start.
    { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const next = () =>
    new Promise<ServerMessage>((done, fail) => {
      child.once('message', (message) => done(message as ServerMessage));
      child.once('exit', (code) => fail(new Error(`the ${mode} server exited with code ${code}`)));
    });
  const ready = await next();
  if (!('ready' in ready)) throw new Error(`the ${mode} server did not say where it listens`);
  return {
    ...ready.ready,
    async report() {
      const answer = next();
      child.send('measure');
      const message = await answer;
      if (!('report' in message)) throw new Error(`the ${mode} server did not report`);
      return message.report;
    },
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Drives `target` with autocannon, `CONNECTIONS` connections for `SECONDS` seconds, each sending its round's requests
 * in turn: a round is drawn when a connection starts its sequence, so a create and the delete after it share a name.
 */
async function drive(url: string, token: string, target: LoadTarget): Promise<LoadResult> {
  let rounds = 0;
  let unexpected = 0;
  let firstError: string | undefined;
  const describe = (step: Step) => `${step.method} ${step.path.split('?')[0]}`;
  const stepOf = (context: Context, index: number) => (context['round'] as Step[])[index]!;
  const requests = target.round(0).map(
    (_, index): SequenceRequest => ({
      setupRequest(request, context) {
        if (index === 0) context['round'] = target.round(rounds++);
        const step = stepOf(context, index);
        if (step.body === undefined) return { ...request, method: step.method, path: step.path };
        return {
          ...request,
          method: step.method,
          path: step.path,
          headers: { ...request.headers, 'content-type': 'application/json' },
          body: JSON.stringify(step.body),
        };
      },
      onResponse(status, body, context) {
        const step = stepOf(context, index);
        if (status === step.expect) return;
        unexpected += 1;
        firstError ??= `${describe(step)} answered ${status}: ${body.slice(0, 200)}`;
      },
    }),
  );
  const run = autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}` },
    requests,
  });
  run.on('reqError', (error) => {
    firstError ??= `${target.name} failed: ${error.message}`;
  });
  const result = await run;
  return {
    name: target.name,
    requests: result.requests.total + result.errors,
    perSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: unexpected + result.errors,
    firstError,
  };
}

const serviceYaml = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: main, image: "app:1.0"}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {selector: {app: ${name}}, ports: [{port: 80}]}\n`;

/** What setup reads of an answer: an operation's id, then its state. */
type SetupAnswer = { operation_id?: string; state?: string };

/** One request during setup, which must answer `expect`. */
async function setupCall(server: Server, step: Step): Promise<SetupAnswer> {
  const response = await fetch(`${server.url}${step.path}`, {
    method: step.method,
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    ...(step.body === undefined ? {} : { body: JSON.stringify(step.body) }),
  });
  const text = await response.text();
  if (response.status !== step.expect) throw new Error(`${step.method} ${step.path}: ${response.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as SetupAnswer);
}

/** A project with one service, and an environment of it applied to the local cluster: what env detail reads. */
async function seedEnvironment(server: Server, namespace: string) {
  await setupCall(server, {
    method: 'POST',
    path: '/admin/registries',
    body: { id: 'bench', address: 'http://127.0.0.1:5000', namespace: 'bench', insecure: true },
    expect: 201,
  });
  await setupCall(server, {
    method: 'POST',
    path: '/openapi/projects/project',
    body: { project_key: 'bench', project_name: 'bench', project_type: 'yaml' },
    expect: 200,
  });
  await setupCall(server, {
    method: 'POST',
    path: '/openapi/service/yaml/raw?projectKey=bench',
    body: { service_name: 'web', yaml: serviceYaml('web'), variable_yaml: [] },
    expect: 200,
  });
  const created = await setupCall(server, {
    method: 'POST',
    path: '/openapi/environments?projectKey=bench',
    body: {
      env_key: 'load',
      cluster_id: 'default',
      namespace,
      registry_id: 'bench',
      services: [{ service_name: 'web', type: 'k8s', containers: [], variable_kvs: [] }],
    },
    expect: 200,
  });
  const until = Date.now() + 60_000;
  for (;;) {
    const operation = await setupCall(server, {
      method: 'GET',
      path: `/openapi/operations/${created.operation_id}`,
      expect: 200,
    });
    if (operation.state === 'success') return;
    if (operation.state === 'failed' || Date.now() > until)
      throw new Error(`the bench environment was not created: ${JSON.stringify(operation)}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

const targets: LoadTarget[] = [
  {
    name: 'env detail (GET /openapi/environments/load)',
    round: () => [{ method: 'GET', path: '/openapi/environments/load?projectKey=bench', expect: 200 }],
  },
  {
    name: 'service create + delete (POST /openapi/service/yaml/raw, DELETE …/:name)',
    round: (n) => [
      {
        method: 'POST',
        path: '/openapi/service/yaml/raw?projectKey=bench',
        body: { service_name: `load-${n}`, yaml: serviceYaml(`load-${n}`), variable_yaml: [] },
        expect: 200,
      },
      { method: 'DELETE', path: `/openapi/service/yaml/load-${n}?projectKey=bench`, expect: 200 },
    ],
  },
  {
    name: 'validation failure (POST /openapi/service/yaml/raw, bad name)',
    round: () => [
      {
        method: 'POST',
        path: '/openapi/service/yaml/raw?projectKey=bench',
        body: { service_name: 'Not_A_Name!', yaml: serviceYaml('x'), variable_yaml: [] },
        expect: 400,
      },
    ],
  },
];

/**
 * Issue 17's load figures: Berth's local server (DynamoDB Local, the local
 * control plane) under 50 connections per route, and a bare Hono handler
 * under the same load in the same run, for the ratio.
 */
export async function measureLoad(): Promise<LoadFigures> {
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  const scratch = await mkdtemp(join(tmpdir(), 'berth-load-'));
  const namespace = `bench-load-${Date.now().toString(36)}`;
  const results: LoadResult[] = [];
  const bare = await startServer('bare', process.env);
  try {
    results.push(
      await drive(bare.url, '', {
        name: 'bare Hono handler (GET /)',
        round: () => [{ method: 'GET', path: '/', expect: 200 }],
      }),
    );
  } finally {
    await bare.stop();
  }
  const berth = await startServer('berth', {
    ...process.env,
    BERTH_DATA_DIR: scratch,
    KUBECONFIG: plane.kubeconfigPath,
  });
  try {
    await seedEnvironment(berth, namespace);
    const before = await berth.report();
    for (const target of targets) results.push(await drive(berth.url, berth.adminToken, target));
    const after = await berth.report();
    await setupCall(berth, {
      method: 'DELETE',
      path: '/openapi/environments/load?projectKey=bench&isDelete=true',
      expect: 200,
    });
    return { seconds: SECONDS, connections: CONNECTIONS, results, berth: { before, after } };
  } finally {
    await berth.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
