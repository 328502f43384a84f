/**
 * Berth's local Kubernetes control plane: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok (fake kubelets that run
 * pods on paper and serve their logs), built from the Go module proxy by
 * `build-kube-binaries.sh`.
 *
 * The processes run detached, with their pids recorded in
 * `<dataDir>/cluster/state.json`, so `npm run cluster up` can exit and leave
 * them running, and a later `startLocalCluster` or `stopLocalCluster` (from
 * the CLI or a test) finds them again. Everything listens on 127.0.0.1 only.
 * One data dir serves one caller at a time: two concurrent starts on the
 * same dir would stop each other's half-booted processes.
 *
 * @example
 * const cluster = await startLocalCluster({ dataDir: '.berth' });
 * const kc = new KubeConfig();
 * kc.loadFromString(cluster.kubeconfig);
 * await cluster.appendLog('hello'); // now in every container's logs
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';

export interface LocalCluster {
  kubeconfigPath: string;
  /** Self-contained kubeconfig text (inline CA, static token, no exec plugin): Berth stores kubeconfigs as text. */
  kubeconfig: string;
  /** The apiserver URL, `https://127.0.0.1:<port>`. */
  server: string;
  /** The CRI-format file kwok serves as the log of every container. */
  logFile: string;
  /** Appends `<RFC3339Nano> stdout F <line>` to `logFile`, once per line of `line`. */
  appendLog(line: string): Promise<void>;
  /** Stops kube-apiserver only (etcd, controllers and kwok keep running), to test how Berth rides out an outage. */
  stopApiServer(): Promise<void>;
  /**
   * Starts kube-apiserver again, with the same flags and port, waits until it is ready, then restarts
   * its clients (controller manager, scheduler, kwok) so they reconnect at once instead of after a backoff.
   */
  startApiServer(): Promise<void>;
}

export interface LocalClusterStatus {
  /** True when every process is alive and the cluster finished starting. */
  running: boolean;
  server: string | undefined;
  kubeconfigPath: string;
  processes: Array<{ name: ComponentName; pid: number; alive: boolean; logFile: string }>;
}

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** Start order; stopping runs it backwards, because an apiserver whose etcd is gone takes ~30 s to exit. */
const COMPONENTS: ComponentName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

/** The processes that talk to the apiserver (as opposed to etcd, which it talks to). */
const API_CLIENTS: ComponentName[] = ['kube-controller-manager', 'kube-scheduler', 'kwok'];

const NODES = [
  { name: 'kwok-node-a', region: 'cn-north' },
  { name: 'kwok-node-b', region: 'cn-south' },
];
const FIELD_MANAGER = 'berth-local-cluster';
const CONTEXT_NAME = 'berth-local';
const SERVICE_CIDR = '10.96.0.0/16';
const KUBERNETES_SERVICE_IP = '10.96.0.1';
/** kwok hands out pod IPs from here; it must not overlap SERVICE_CIDR. */
const POD_CIDR = '10.0.0.1/24';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

interface ClusterState {
  /** Set once nodes, the default ServiceAccount and the CRDs are in place: only then may a later start reuse the cluster. */
  ready: boolean;
  server: string;
  etcdDataDir: string;
  /** The full command line of each process, so `startApiServer` can run the apiserver again exactly as before. */
  processes: Partial<Record<ComponentName, { pid: number; command: string[] }>>;
}

interface ClusterPaths {
  dir: string;
  state: string;
  kubeconfig: string;
  tokens: string;
  kwokConfig: string;
  containerLog: string;
  logs: string;
  pki: string;
}

type Log = (line: string) => void;

const execFileAsync = promisify(execFile);
const hasProcFs = existsSync('/proc/self/cmdline');

export async function startLocalCluster(options: { dataDir: string; log?: Log }): Promise<LocalCluster> {
  const log = options.log ?? (() => {});
  const paths = clusterPaths(options.dataDir);
  const state = await readState(paths);
  if (state?.ready && (await isHealthy(paths, state))) {
    log(`local cluster already running at ${state.server}`);
    return openCluster(paths);
  }
  if (state !== undefined) {
    log('stopping the leftovers of a cluster that is not healthy');
    await stopLocalCluster(options.dataDir);
  }
  try {
    await bootCluster(paths, log);
  } catch (error) {
    log('start failed; stopping what was started');
    await stopLocalCluster(options.dataDir);
    throw error;
  }
  return openCluster(paths);
}

export async function stopLocalCluster(dataDir: string): Promise<void> {
  const paths = clusterPaths(dataDir);
  const state = await readState(paths);
  if (state === undefined) return;
  for (const name of [...COMPONENTS].reverse()) {
    const recorded = state.processes[name];
    if (recorded !== undefined) await stopProcess(recorded.pid, recorded.command[0]!);
  }
  await rm(state.etcdDataDir, { recursive: true, force: true });
  await rm(paths.state, { force: true });
}

export async function localClusterStatus(dataDir: string): Promise<LocalClusterStatus> {
  const paths = clusterPaths(dataDir);
  const state = await readState(paths);
  const processes: LocalClusterStatus['processes'] = [];
  for (const name of COMPONENTS) {
    const recorded = state?.processes[name];
    if (recorded === undefined) continue;
    const alive = await isRunning(recorded.pid, recorded.command[0]!);
    processes.push({ name, pid: recorded.pid, alive, logFile: logFileOf(paths, name) });
  }
  const running = state?.ready === true && processes.length === COMPONENTS.length && processes.every((p) => p.alive);
  return { running, server: state?.server, kubeconfigPath: paths.kubeconfig, processes };
}

function logFileOf(paths: ClusterPaths, name: ComponentName): string {
  return join(paths.logs, `${name}.log`);
}

function clusterPaths(dataDir: string): ClusterPaths {
  const dir = join(resolve(dataDir), 'cluster');
  return {
    dir,
    state: join(dir, 'state.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    tokens: join(dir, 'tokens.csv'),
    kwokConfig: join(dir, 'kwok.yaml'),
    containerLog: join(dir, 'container.log'),
    logs: join(dir, 'logs'),
    pki: join(dir, 'pki'),
  };
}

async function bootCluster(paths: ClusterPaths, log: Log): Promise<void> {
  const kubeDir = await buildBinaries(log);
  const bin = (name: ComponentName) => join(kubeDir, 'bin', name);

  // A fresh cluster every time: new ports, new PKI, empty etcd. Old logs go too.
  await rm(paths.dir, { recursive: true, force: true });
  await mkdir(paths.logs, { recursive: true });
  const pki = await createPki(paths.pki);
  const [etcdPort, etcdPeerPort, apiServerPort, kwokPort] = await freePorts(4);
  const server = `https://127.0.0.1:${apiServerPort}`;
  const token = randomBytes(24).toString('hex');
  const kubeconfig = renderKubeconfig(server, await readFile(pki.caCert), token);
  await writeFile(paths.tokens, `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  await writeFile(paths.kubeconfig, kubeconfig, { mode: 0o600 });
  await writeFile(paths.kwokConfig, await renderKwokConfig(kubeDir, paths.containerLog));
  await writeFile(paths.containerLog, '');

  const state: ClusterState = { ready: false, server, etcdDataDir: etcdDataDir(paths), processes: {} };
  await rm(state.etcdDataDir, { recursive: true, force: true });
  const launch = async (name: ComponentName, args: string[]) => {
    const command = [bin(name), ...args];
    state.processes[name] = { pid: spawnDetached(command, logFileOf(paths, name)), command };
    await writeState(paths, state); // before anything can fail, so a cleanup finds the pid
    log(`started ${name} (pid ${state.processes[name]!.pid})`);
  };
  const until = (what: string, probe: () => Promise<boolean>) =>
    waitUntil(what, probe, () => assertAlive(paths, state));

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcdPeerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  await launch('etcd', [
    `--data-dir=${state.etcdDataDir}`,
    // Test data need not survive a crash; fsync on every write is most of etcd's latency.
    '--unsafe-no-fsync',
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    // The default peer URLs name 0.0.0.0/localhost:2380; pin them to loopback and a free port.
    `--listen-peer-urls=${etcdPeerUrl}`,
    `--initial-advertise-peer-urls=${etcdPeerUrl}`,
    `--initial-cluster=default=${etcdPeerUrl}`,
  ]);
  await until('etcd /health', async () => (await fetch(`${etcdUrl}/health`).catch(() => undefined))?.ok === true);

  await launch('kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiServerPort}`,
    `--tls-cert-file=${pki.apiServerCert}`,
    `--tls-private-key-file=${pki.apiServerKey}`,
    // One static bearer token in system:masters: works for client-node without an exec plugin.
    `--token-auth-file=${paths.tokens}`,
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    // The "kubernetes" Service would get 127.0.0.1 as its endpoint, which validation rejects every 10 s.
    '--endpoint-reconciler-type=none',
    // Otherwise open watches (controllers, kwok) hold a SIGTERM'd apiserver up for 15 s and more.
    '--shutdown-watch-termination-grace-period=2s',
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    // pods/log is proxied to kwok's kubelet-like server at the node's InternalIP (127.0.0.1) over TLS.
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    `--kubelet-certificate-authority=${pki.caCert}`,
    '--kubelet-preferred-address-types=InternalIP,Hostname',
  ]);
  await until('kube-apiserver /readyz', () => isApiServerReady(server, pki.caCert, token));

  await launch('kube-controller-manager', [
    `--kubeconfig=${paths.kubeconfig}`,
    // node-ipam (alias nodeipam) would allocate pod CIDRs per node; kwok assigns pod IPs from its own --cidr.
    // The node-lifecycle controller must stay: only it removes the not-ready taint from new nodes.
    '--controllers=*,-node-ipam-controller',
    // kwok heartbeats through Leases; long periods (as kwokctl uses) keep nodes Ready on a busy machine
    // and across stopApiServer/startApiServer.
    '--node-monitor-period=10m',
    '--node-monitor-grace-period=1h',
    // Without leader election a lost apiserver is retried instead of making the process exit.
    '--leader-elect=false',
    // No health endpoint needed; 0 keeps it from listening on 10257.
    '--secure-port=0',
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
  ]);
  await launch('kube-scheduler', [`--kubeconfig=${paths.kubeconfig}`, '--leader-elect=false', '--secure-port=0']);
  await launch('kwok', [
    `--kubeconfig=${paths.kubeconfig}`,
    // With --config kwok plays only the stages listed there; the file also holds the ClusterLogs rule.
    `--config=${paths.kwokConfig}`,
    '--manage-all-nodes=true',
    `--cidr=${POD_CIDR}`,
    // The node-initialize stage publishes these as the node's InternalIP, Hostname and kubelet port:
    // that is where the apiserver connects for pods/log.
    '--node-ip=127.0.0.1',
    '--node-name=localhost',
    `--node-port=${kwokPort}`,
    `--server-address=127.0.0.1:${kwokPort}`,
    `--tls-cert-file=${pki.kwokCert}`,
    `--tls-private-key-file=${pki.kwokKey}`,
  ]);

  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(NODES.map(({ name, region }) => core.createNode({ body: fakeNode(name, region) })));
  await until('both nodes Ready and untainted', async () => {
    const nodes = (await core.listNode()).items;
    return nodes.length === NODES.length && nodes.every(isSchedulable);
  });
  log('nodes kwok-node-a and kwok-node-b are Ready');
  await until('the default ServiceAccount', async () =>
    (await core.listNamespacedServiceAccount({ namespace: 'default' })).items.some(
      (sa) => sa.metadata?.name === 'default',
    ),
  );

  const crdNames = await applyCrds(server, pki.caCert, token, join(kubeDir, 'istio-crds.yaml'));
  await until('Istio CRDs Established and served', () => areCrdsServed(server, pki.caCert, token, crdNames));
  log(`applied ${crdNames.length} Istio CRDs; every served version answers a list`);

  state.ready = true;
  await writeState(paths, state);
}

/** Runs the build script (a no-op when cached) and returns the cache dir it prints last. */
async function buildBinaries(log: Log): Promise<string> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'build-kube-binaries.sh');
  const build = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: build.stderr }).on('line', log);
  let stdout = '';
  build.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((done) => build.on('close', done));
  const kubeDir = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !existsSync(join(kubeDir, '.complete'))) {
    throw new Error(`build-kube-binaries.sh failed (exit ${code})`);
  }
  return kubeDir;
}

interface Pki {
  caCert: string;
  caKey: string;
  apiServerCert: string;
  apiServerKey: string;
  kwokCert: string;
  kwokKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** A throwaway CA and the leaf certs the plane needs. P-256 keys: far quicker to make than RSA, and Go takes them everywhere. */
async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '3650',
    '-subj',
    '/CN=berth-local-ca',
  );

  const issue = async (name: string, subject: string, extensions: string[]) => {
    await writeFile(
      file(`${name}.ext`),
      ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n'),
    );
    await openssl(
      'req',
      '-new',
      ...ecKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      subject,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      '3650',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.crt`),
    );
  };
  const loopback = 'IP:127.0.0.1,DNS:localhost';
  await Promise.all([
    issue('apiserver', '/CN=kube-apiserver', [
      'extendedKeyUsage=serverAuth',
      // In-cluster names too, in case something dials the kubernetes Service.
      `subjectAltName=${loopback},IP:${KUBERNETES_SERVICE_IP},DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local`,
    ]),
    issue('kwok', '/CN=kwok', ['extendedKeyUsage=serverAuth', `subjectAltName=${loopback}`]),
    issue('kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', ['extendedKeyUsage=clientAuth']),
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('sa.key')).then(() =>
      // The apiserver verifies tokens with the public half and cannot read it out of a PKCS#8 private key.
      openssl('pkey', '-in', file('sa.key'), '-pubout', '-out', file('sa.pub')),
    ),
  ]);
  return {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiServerCert: file('apiserver.crt'),
    apiServerKey: file('apiserver.key'),
    kwokCert: file('kwok.crt'),
    kwokKey: file('kwok.key'),
    kubeletClientCert: file('kubelet-client.crt'),
    kubeletClientKey: file('kubelet-client.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPublicKey: file('sa.pub'),
  };
}

async function openssl(...args: string[]): Promise<void> {
  await execFileAsync('openssl', args);
}

function renderKubeconfig(server: string, caPem: Buffer, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server, 'certificate-authority-data': caPem.toString('base64') } }],
    users: [{ name: CONTEXT_NAME, user: { token } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME } }],
    'current-context': CONTEXT_NAME,
  });
}

/** kwok's stage documents plus one ClusterLogs rule that serves `containerLog` for every container. */
async function renderKwokConfig(kubeDir: string, containerLog: string): Promise<string> {
  const stageFiles = ['node-initialize', 'node-heartbeat-with-lease', 'pod-ready', 'pod-complete', 'pod-delete'];
  const stages = await Promise.all(
    stageFiles.map((name) => readFile(join(kubeDir, 'kwok-stages', `${name}.yaml`), 'utf8')),
  );
  const clusterLogs = stringify({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterLogs',
    metadata: { name: 'every-container' },
    // follow: true lets `logs -f` stream lines appended later.
    spec: { selector: {}, logs: [{ containers: [], logsFile: containerLog, follow: true }] },
  });
  return `${[...stages, clusterLogs].map((doc) => doc.trim()).join('\n---\n')}\n`;
}

function fakeNode(name: string, region: string): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        region,
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
  };
}

function isSchedulable(node: V1Node): boolean {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  const notReadyTaint = node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready') === true;
  return ready && !notReadyTaint;
}

/**
 * Server-side applies every CRD in a multi-document YAML file; returns their names.
 * A raw request, not KubernetesObjectApi.patch: client-node serializes through its typed models, which
 * look for `xKubernetesIntOrString` and silently drop the YAML's `x-kubernetes-int-or-string`.
 */
async function applyCrds(server: string, caFile: string, token: string, file: string): Promise<string[]> {
  const crds = parseAllDocuments(await readFile(file, 'utf8'))
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object?.kind === 'CustomResourceDefinition');
  await Promise.all(
    crds.map(async (crd) => {
      const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata!.name}?fieldManager=${FIELD_MANAGER}&force=true`;
      // JSON is YAML, so it is a valid apply-patch+yaml body.
      const { status, body } = await apiRequest(server, caFile, token, 'PATCH', path, {
        contentType: PatchStrategy.ServerSideApply,
        body: JSON.stringify(crd),
      });
      if (status >= 300) throw new Error(`applying CRD ${crd.metadata!.name} failed (${status}): ${body}`);
    }),
  );
  return crds.map((crd) => crd.metadata!.name!);
}

async function openCluster(paths: ClusterPaths): Promise<LocalCluster> {
  const kubeconfig = await readFile(paths.kubeconfig, 'utf8');
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const server = kc.getCurrentCluster()!.server;
  const token = kc.getCurrentUser()!.token!;
  const caFile = join(paths.pki, 'ca.crt');
  return {
    kubeconfigPath: paths.kubeconfig,
    kubeconfig,
    server,
    logFile: paths.containerLog,
    async appendLog(line) {
      const stamped = line.split('\n').map((part) => `${rfc3339Nano(new Date())} stdout F ${part}\n`);
      await appendFile(paths.containerLog, stamped.join(''));
    },
    async stopApiServer() {
      const { pid, command } = (await requireState(paths)).processes['kube-apiserver']!;
      await stopProcess(pid, command[0]!);
    },
    async startApiServer() {
      const state = await requireState(paths);
      const apiServer = state.processes['kube-apiserver']!;
      if (await isRunning(apiServer.pid, apiServer.command[0]!)) return;
      // stopProcess waited for the old pid to exit, so the port is free again.
      apiServer.pid = spawnDetached(apiServer.command, logFileOf(paths, 'kube-apiserver'));
      await writeState(paths, state);
      const until = (what: string, probe: () => Promise<boolean>) =>
        waitUntil(what, probe, () => assertAlive(paths, state));
      await until('kube-apiserver /readyz', () => isApiServerReady(server, caFile, token));
      // /readyz does not wait for the storage of custom resources, which a restarted server builds again.
      await until('the CRDs served again', () => areCrdsServed(server, caFile, token));
      // After an outage of a few seconds client-go's reflectors back off up to 30 s before they watch
      // again, so new pods would sit unscheduled that long. Restarted clients connect at once.
      for (const name of API_CLIENTS) {
        const client = state.processes[name]!;
        await stopProcess(client.pid, client.command[0]!);
        client.pid = spawnDetached(client.command, logFileOf(paths, name));
      }
      await writeState(paths, state);
    },
  };
}

async function isHealthy(paths: ClusterPaths, state: ClusterState): Promise<boolean> {
  const status = await localClusterStatus(dirname(paths.dir));
  if (!status.running) return false;
  const kc = new KubeConfig();
  kc.loadFromString(await readFile(paths.kubeconfig, 'utf8'));
  return isApiServerReady(state.server, join(paths.pki, 'ca.crt'), kc.getCurrentUser()!.token!);
}

async function isApiServerReady(server: string, caFile: string, token: string): Promise<boolean> {
  const response = await apiRequest(server, caFile, token, 'GET', '/readyz').catch(() => undefined);
  return response?.status === 200;
}

type CrdStatus = {
  metadata: { name: string };
  spec: { group: string; names: { plural: string }; versions: Array<{ name: string; served: boolean }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
};

/**
 * True once every CRD (and at least those named) is Established and each of its served versions answers a
 * list. Established comes before the API server's storage for the resource is ready: a request in between is
 * answered 429 "storage is (re)initializing".
 */
async function areCrdsServed(server: string, caFile: string, token: string, names: string[] = []): Promise<boolean> {
  const get = (path: string) => apiRequest(server, caFile, token, 'GET', path);
  const listed = await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
  if (listed.status !== 200) return false;
  const crds = (JSON.parse(listed.body) as { items: CrdStatus[] }).items;
  if (!names.every((name) => crds.some((crd) => crd.metadata.name === name))) return false;
  const established = (crd: CrdStatus) =>
    crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True');
  if (!crds.every(established)) return false;
  const lists = crds.flatMap((crd) =>
    crd.spec.versions
      .filter((version) => version.served)
      .map((version) => `/apis/${crd.spec.group}/${version.name}/${crd.spec.names.plural}?limit=1`),
  );
  const answers = await Promise.all(lists.map(get));
  return answers.every((answer) => answer.status === 200);
}

/** A bare HTTPS call to the apiserver, for what needs no client (readiness) or what client-node mangles (CRDs). */
function apiRequest(
  server: string,
  caFile: string,
  token: string,
  method: string,
  path: string,
  content?: { contentType: string; body: string },
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (content !== undefined) headers['content-type'] = content.contentType;
    const req = request(`${server}${path}`, { method, ca: readFileSync(caFile), headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(content?.body);
  });
}

function spawnDetached(command: string[], logFile: string): number {
  const output = openSync(logFile, 'a');
  try {
    // detached: its own process group, so Ctrl-C on `cluster up` or the end of a test run leaves it alone.
    const child = spawn(command[0]!, command.slice(1), { detached: true, stdio: ['ignore', output, output] });
    child.on('error', () => {}); // a missing binary shows up as pid === undefined below
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command[0]}`);
    return child.pid;
  } finally {
    closeSync(output);
  }
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; returns once the pid is gone, so its ports are free again. */
async function stopProcess(pid: number, binary: string): Promise<void> {
  for (const [signal, timeoutMs] of [
    ['SIGTERM', STOP_TIMEOUT_MS],
    ['SIGKILL', 5_000],
  ] as const) {
    if (!(await isRunning(pid, binary))) return;
    try {
      process.kill(pid, signal);
    } catch {
      return; // exited in between
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (await isRunning(pid, binary))) await sleep(100);
  }
  if (await isRunning(pid, binary)) throw new Error(`${binary} (pid ${pid}) survived SIGKILL`);
}

async function isRunning(pid: number, binary: string): Promise<boolean> {
  if (!hasProcFs) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  // argv[0] is empty for a zombie and differs when the pid was reused (say, after a reboot).
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0')[0] === binary;
}

/** Fails a wait early, with the log tail, when a process died instead of letting it time out. */
async function assertAlive(paths: ClusterPaths, state: ClusterState): Promise<void> {
  for (const name of COMPONENTS) {
    const recorded = state.processes[name];
    if (recorded === undefined || (await isRunning(recorded.pid, recorded.command[0]!))) continue;
    const logFile = logFileOf(paths, name);
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n');
    throw new Error(`${name} exited; the end of ${logFile}:\n${tail}`);
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>, checkAlive: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  for (;;) {
    await checkAlive();
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error; // not ready yet: the apiserver may still be starting, a CRD not yet served
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${READY_TIMEOUT_MS / 1000}s waiting for ${what}${cause}`);
    }
    await sleep(250);
  }
}

/** Distinct free loopback ports: all are held open together so none is handed out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((done, fail) => {
          const server = createServer();
          server.once('error', fail);
          server.listen(0, '127.0.0.1', () => done(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/** etcd on tmpfs when there is one: a real disk makes every write slow, and the data is throwaway anyway. */
function etcdDataDir(paths: ClusterPaths): string {
  if (!existsSync('/dev/shm')) return join(paths.dir, 'etcd');
  return join('/dev/shm', `berth-etcd-${createHash('sha256').update(paths.dir).digest('hex').slice(0, 12)}`);
}

async function readState(paths: ClusterPaths): Promise<ClusterState | undefined> {
  const text = await readFile(paths.state, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as ClusterState);
}

async function requireState(paths: ClusterPaths): Promise<ClusterState> {
  const state = await readState(paths);
  if (state === undefined) throw new Error(`no local cluster recorded in ${paths.state}`);
  return state;
}

/** Write-then-rename, so a reader never sees half a file. */
async function writeState(paths: ClusterPaths, state: ClusterState): Promise<void> {
  await writeFile(`${paths.state}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${paths.state}.tmp`, paths.state);
}

/** The CRI log timestamp: RFC 3339 with nanoseconds (JavaScript dates only have milliseconds). */
function rfc3339Nano(date: Date): string {
  return date.toISOString().replace('Z', '000000Z');
}
