import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  RequestContext,
  HttpMethod,
  ServerConfiguration,
  createConfiguration,
  setHeaderOptions,
  type ObservableMiddleware,
  type V1CronJob,
  type V1CronJobList,
  type V1Pod,
  type V1Service,
  type V1Deployment,
  type V1StatefulSet,
  type V1DaemonSet,
  type V1Container,
  type V1LabelSelector,
  type VersionInfo,
} from '@kubernetes/client-node';
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import type https from 'node:https';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { send, undiciHttpLibrary } from './http-transport.ts';
import { DomainError, NotFoundError, UnavailableError } from '../errors.ts';
import {
  isPrerequisite,
  KindNotServedError,
  type ApplyResult,
  type HostPortUse,
  type ImageKind,
  type KubeCluster,
  type KubeObject,
  type LogOptions,
  type PodSummary,
  type ScalableKind,
  type ServiceSummary,
  type WorkloadSummary,
} from './gateway.ts';
import { createLimiter } from '../concurrency.ts';
import { toDomainError, type CallSubject } from './kube-errors.ts';
import { withRetries, type Repeatability, type RetryObserver } from './retry-policy.ts';

export const FIELD_MANAGER = 'berth';

/**
 * Object writes (applies and deletes) one client keeps in flight against its
 * API server, across every `apply` and `deleteObjects` call: enough to hide
 * the round trip (kubectl sends one at a time), far below the API server's
 * default 200 mutating requests in flight, which other clients share.
 */
export const OBJECT_WRITE_CONCURRENCY = 64;

export type KubeClusterOptions = {
  /** The deadline of each call, retries and their waits included. */
  timeoutMs: number;
  /** Told of every retry (see `retry-policy.ts`), so that the request log can count them. */
  onRetry?: RetryObserver;
};

/**
 * The kubeconfig every request of this cluster authenticates through (it is
 * the generated APIs' auth method), which makes it the place to give each
 * request a shared connection pool: client-node 2.x builds a new TLS
 * dispatcher for every call when the kubeconfig carries a CA or client
 * certificate, so no connection is ever reused (measured: 13 ms per call
 * instead of 3 ms); keeping one makes every call share one keep-alive pool.
 *
 * That pool speaks HTTP/1.1. undici 8 negotiates HTTP/2 by default, and with
 * kube-apiserver 1.36 it was the slower and the less reliable of the two
 * (measured on the 2-core bench machine, 300 consecutive GETs: 7-20 ms per
 * call over HTTP/2, 1.2-1.3 ms over HTTP/1.1, 0.6-1.5 ms for a node:https
 * keep-alive agent; 400 GETs with 32 in flight over HTTP/2 failed on a
 * GOAWAY). Connections then grow with the requests in flight, which
 * `OBJECT_WRITE_CONCURRENCY` bounds for writes; consecutive calls share one.
 *
 * The credentials are worked out once per client, not per call: a stored
 * kubeconfig holds only inline, static ones (a token, a client certificate or
 * a password; `checkKubeconfig` refuses exec and auth-provider plugins), so
 * every call would get the same headers, while client-node decodes the
 * certificates and builds a dispatcher again each time (0.3-0.4 ms of a
 * 1.7 ms call in `npm run bench -- connections`).
 */
class PooledKubeConfig extends KubeConfig {
  #authentication: Promise<{ headers: [string, string][]; dispatcher: Dispatcher | undefined }> | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.#authentication ??= this.#authenticateOnce();
    const { headers, dispatcher } = await this.#authentication;
    for (const [name, value] of headers) context.setHeaderParam(name, value);
    if (dispatcher) context.setDispatcher(dispatcher as never);
  }

  /** What client-node sets on a request for this kubeconfig, with its fresh dispatcher swapped for the pool. */
  async #authenticateOnce() {
    const probe = new RequestContext(this.getCurrentCluster()?.server ?? 'https://cluster.invalid', HttpMethod.GET);
    await super.applySecurityAuthentication(probe);
    const fresh = probe.getDispatcher() as Dispatcher | undefined;
    return { headers: Object.entries(probe.getHeaders()), dispatcher: fresh && (await this.#http1Pool(fresh)) };
  }

  /** A keep-alive HTTP/1.1 pool with the kubeconfig's TLS; a proxy's dispatcher is kept as client-node made it. */
  async #http1Pool(fresh: Dispatcher): Promise<Dispatcher> {
    const tls: https.AgentOptions = {};
    await this.applyToHTTPSOptions(tls);
    const options = this.createDispatcherOptions(this.getCurrentCluster(), tls);
    if (options.type !== 'agent') return fresh;
    await fresh.close();
    return new Agent({ connect: options.connect, allowH2: false });
  }

  async close(): Promise<void> {
    await (await this.#authentication)?.dispatcher?.close();
  }
}

/**
 * Options for one attempt of a generated-API call: client-node has no request
 * timeout, so the attempt's signal (the call's deadline) is set on the request;
 * a patch also names its content type.
 */
function attemptOptions(signal: AbortSignal, patch?: PatchStrategy) {
  const deadline: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal);
      return of(context);
    },
    post: (response) => of(response),
  };
  const options = { middleware: [deadline], middlewareMergeStrategy: 'append' as const };
  return patch === undefined ? options : setHeaderOptions('Content-Type', patch, options);
}

/** A cluster client over the stored kubeconfig. Every call carries a deadline. */
export function createKubeCluster(kubeconfig: string, { timeoutMs, onRetry }: KubeClusterOptions): KubeCluster {
  const config = new PooledKubeConfig();
  try {
    config.loadFromString(kubeconfig);
  } catch (error) {
    throw new UnavailableError(`the stored kubeconfig cannot be loaded: ${(error as Error).name}`);
  }
  const server = config.getCurrentCluster()!.server.replace(/\/$/, '');
  const apiConfiguration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: config },
    httpApi: undiciHttpLibrary,
  });
  const core = new CoreV1Api(apiConfiguration);

  const retryPolicy = { timeoutMs, onRetry };
  const objectWrite = createLimiter(OBJECT_WRITE_CONCURRENCY);

  /** One call of the generated APIs, retried as its repeatability allows, failures as domain errors. */
  async function call<T>(
    subject: CallSubject,
    repeatability: Repeatability,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetries(retryPolicy, { subject, repeatability }, run);
    } catch (error) {
      throw toDomainError(error, subject, timeoutMs);
    }
  }

  /**
   * A request by path: for objects of any kind (applies, deletes, discovery), for workloads (see
   * `WORKLOAD_RESOURCES`), and for what the generated APIs get wrong (`followLog`).
   * Its caller reads the body to the end, or dumps it: an HTTP/1.1 connection goes back to the
   * pool only then, and an abandoned body would hold it until garbage collection.
   */
  async function raw(
    method: HttpMethod,
    path: string,
    subject: CallSubject,
    options: {
      repeatability: Repeatability;
      body?: string;
      contentType?: string;
      query?: Record<string, string>;
      /** Replaces each attempt's deadline, for a caller that bounds the request itself (a followed log). */
      signal?: AbortSignal;
    },
  ) {
    const url = new URL(server + path);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const context = new RequestContext(url.toString(), method);
    await config.applySecurityAuthentication(context);
    const headers: Record<string, string> = { ...context.getHeaders(), accept: 'application/json' };
    if (options.contentType) headers['content-type'] = options.contentType;
    const { repeatability, signal } = options;
    return call(subject, repeatability, async (attemptSignal) => {
      const answer = await send(url.toString(), {
        method,
        headers,
        body: options.body,
        dispatcher: context.getDispatcher() as Dispatcher | undefined,
        signal: signal ?? attemptSignal,
      });
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      // The same exception the generated APIs throw, so both kinds of call are retried and mapped alike.
      throw new ApiException(answer.status, 'raw request', await answer.body.text(), answer.headers);
    });
  }

  async function readJson<T>(path: string, subject: CallSubject, query?: Record<string, string>): Promise<T> {
    const response = await raw(HttpMethod.GET, path, subject, { repeatability: 'read', ...(query ? { query } : {}) });
    return (await response.json()) as T;
  }

  async function patchObject(
    path: string,
    subject: CallSubject,
    body: unknown,
    strategy: PatchStrategy,
    repeatability: Repeatability,
  ) {
    const response = await raw(HttpMethod.PATCH, path, subject, {
      repeatability,
      body: JSON.stringify(body),
      contentType: strategy,
      query: { fieldManager: FIELD_MANAGER },
    });
    await response.dump();
  }

  const discovery = createDiscovery(async (groupVersion) => {
    const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    try {
      const response = await raw(
        HttpMethod.GET,
        path,
        { kind: 'APIResourceList', name: groupVersion },
        { repeatability: 'read' },
      );
      return ((await response.json()) as { resources: DiscoveredResource[] }).resources;
    } catch (error) {
      // A group version the API server does not serve (its CRDs are not installed) has no kinds.
      if (error instanceof NotFoundError) return [];
      throw error;
    }
  });

  async function objectPath(
    object: Pick<KubeObject, 'apiVersion' | 'kind'> & { name?: string },
    namespace: string | undefined,
  ) {
    const resource = await discovery.resolve(object.apiVersion, object.kind);
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
    return `${base}${scope}/${resource.name}${object.name ? `/${encodeURIComponent(object.name)}` : ''}`;
  }

  // The manifests Berth applies are user YAML: sent as written (no model
  // round-trip, which would drop fields newer than the client's models).
  async function applyOne(object: KubeObject, namespace: string): Promise<ApplyResult> {
    const target = { kind: object.kind, name: object.metadata.name, namespace };
    try {
      const path = await objectPath({ ...object, name: object.metadata.name }, namespace);
      const body = {
        ...object,
        metadata: { ...object.metadata, ...(path.includes('/namespaces/') ? { namespace } : {}) },
      };
      const answer = await raw(HttpMethod.PATCH, path, target, {
        repeatability: 'idempotent-write',
        body: JSON.stringify(body),
        contentType: PatchStrategy.ServerSideApply,
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
      });
      await answer.dump();
      return { ...target, outcome: 'applied' };
    } catch (error) {
      return failed(target, error);
    }
  }

  async function deleteOne(object: KubeObject, namespace: string): Promise<ApplyResult> {
    const target = { kind: object.kind, name: object.metadata.name, namespace };
    try {
      const path = await objectPath({ ...object, name: object.metadata.name }, namespace);
      // A repeat's 404 counts as deleted (below), so the outcome is the same as of one copy.
      const answer = await raw(HttpMethod.DELETE, path, target, {
        repeatability: 'idempotent-write',
        query: { propagationPolicy: 'Background' },
      });
      await answer.dump();
      return { ...target, outcome: 'applied' };
    } catch (error) {
      if (error instanceof NotFoundError) return { ...target, outcome: 'applied', message: 'already gone' };
      return failed(target, error);
    }
  }

  function failed(target: Pick<ApplyResult, 'kind' | 'name' | 'namespace'>, error: unknown): ApplyResult {
    const code = error instanceof DomainError ? error.code : 'Internal';
    return { ...target, outcome: 'failed', message: (error as Error).message, code };
  }

  async function readWorkload(kind: ScalableKind | 'DaemonSet', namespace: string, name: string) {
    return readJson<V1Deployment | V1StatefulSet | V1DaemonSet>(workloadPath(kind, namespace, name), {
      kind,
      name,
      namespace,
    });
  }

  return {
    close: () => config.close(),

    async version() {
      const info = await readJson<VersionInfo>('/version', { kind: 'version', name: server });
      return { gitVersion: info.gitVersion, platform: info.platform };
    },

    async apply(objects, { namespace }) {
      // Namespaces and CRDs first, in order, so that they exist before what uses them; the rest together.
      const results = new Array<ApplyResult>(objects.length);
      for (const [index, object] of objects.entries())
        if (isPrerequisite(object)) results[index] = await objectWrite(() => applyOne(object, namespace));
      await Promise.all(
        objects.map(async (object, index) => {
          if (!isPrerequisite(object)) results[index] = await objectWrite(() => applyOne(object, namespace));
        }),
      );
      return results;
    },

    async deleteObjects(objects, { namespace }) {
      return Promise.all(objects.map((object) => objectWrite(() => deleteOne(object, namespace))));
    },

    async getObject(ref) {
      try {
        const response = await raw(HttpMethod.GET, await objectPath(ref, ref.namespace), ref, {
          repeatability: 'read',
        });
        return (await response.json()) as KubeObject;
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },

    async listObjects(ref) {
      const response = await raw(
        HttpMethod.GET,
        await objectPath({ apiVersion: ref.apiVersion, kind: ref.kind }, ref.namespace),
        { kind: ref.kind, name: ref.namespace, namespace: ref.namespace },
        {
          repeatability: 'read',
          ...(ref.labelSelector ? { query: { labelSelector: ref.labelSelector } } : {}),
        },
      );
      const list = (await response.json()) as { items?: KubeObject[] };
      // A list's items carry no apiVersion and kind of their own.
      return (list.items ?? []).map((item) => ({ ...item, apiVersion: ref.apiVersion, kind: ref.kind }));
    },

    async labelNamespace(name, labels) {
      // Absolute values (a label set or removed): sending it twice changes nothing more.
      await call({ kind: 'Namespace', name }, 'idempotent-write', (signal) =>
        core.patchNamespace(
          { name, body: { metadata: { labels } }, fieldManager: FIELD_MANAGER },
          attemptOptions(signal, PatchStrategy.MergePatch),
        ),
      );
    },

    async getWorkload(kind, namespace, name) {
      return summarizeWorkload(kind, await readWorkload(kind, namespace, name));
    },

    async listWorkloads(namespace, labelSelector) {
      const subject = { kind: 'workloads', name: namespace, namespace };
      const query = labelSelector ? { labelSelector } : undefined;
      const [deployments, statefulSets, daemonSets] = await Promise.all([
        readJson<{ items: V1Deployment[] }>(workloadPath('Deployment', namespace), subject, query),
        readJson<{ items: V1StatefulSet[] }>(workloadPath('StatefulSet', namespace), subject, query),
        readJson<{ items: V1DaemonSet[] }>(workloadPath('DaemonSet', namespace), subject, query),
      ]);
      return [
        ...deployments.items.map((item) => summarizeWorkload('Deployment', item)),
        ...statefulSets.items.map((item) => summarizeWorkload('StatefulSet', item)),
        ...daemonSets.items.map((item) => summarizeWorkload('DaemonSet', item)),
      ];
    },

    async scale(kind, namespace, name, replicas) {
      // An absolute replica count, not an increment: a repeated patch finds the count already set.
      await patchObject(
        `${workloadPath(kind, namespace, name)}/scale`,
        { kind, name, namespace },
        { spec: { replicas } },
        PatchStrategy.MergePatch,
        'idempotent-write',
      );
    },

    async restart(kind, namespace, name, at) {
      // What `kubectl rollout restart` does: a changed pod-template annotation rolls every pod.
      const body = {
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at.toISOString() } } } },
      };
      // The timestamp is fixed before the first attempt, so a repeat rolls the pods once, not twice.
      await patchObject(
        workloadPath(kind, namespace, name),
        { kind, name, namespace },
        body,
        PatchStrategy.StrategicMergePatch,
        'idempotent-write',
      );
    },

    async setImage(kind, namespace, name, container, image) {
      const subject = { kind, name, namespace };
      const podSpec = await readPodTemplateSpec(kind, namespace, name);
      const isInit = (podSpec?.initContainers ?? []).some((entry) => entry.name === container);
      const isMain = (podSpec?.containers ?? []).some((entry) => entry.name === container);
      if (!isInit && !isMain) throw new NotFoundError('container', `${kind}/${name}/${container}`);
      // Strategic merge keys containers by name, so only this container's image changes.
      const containers = { [isInit ? 'initContainers' : 'containers']: [{ name: container, image }] };
      const template = { spec: containers };
      const body = kind === 'CronJob' ? { spec: { jobTemplate: { spec: { template } } } } : { spec: { template } };
      // Sets one container's image by name: a repeat finds it set.
      await patchObject(
        workloadPath(kind, namespace, name),
        subject,
        body,
        PatchStrategy.StrategicMergePatch,
        'idempotent-write',
      );
    },

    async listPods(namespace, labelSelector) {
      const list = await call({ kind: 'pods', name: namespace, namespace }, 'read', (signal) =>
        core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) }, attemptOptions(signal)),
      );
      return list.items.map(summarizePod);
    },

    async listNodes(labelSelector) {
      const list = await call({ kind: 'nodes', name: labelSelector ?? 'all' }, 'read', (signal) =>
        core.listNode(labelSelector ? { labelSelector } : {}, attemptOptions(signal)),
      );
      return list.items.map((node) => ({ name: node.metadata?.name ?? '', labels: node.metadata?.labels ?? {} }));
    },

    async listHostPorts() {
      const list = await call({ kind: 'pods', name: 'all namespaces' }, 'read', (signal) =>
        core.listPodForAllNamespaces(
          { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' },
          attemptOptions(signal),
        ),
      );
      return list.items.flatMap(hostPortsOf);
    },

    async listCronJobs(namespace) {
      const list = await readJson<V1CronJobList>(workloadPath('CronJob', namespace), {
        kind: 'cronjobs',
        name: namespace,
        namespace,
      });
      return list.items.map((item) => ({
        name: item.metadata?.name ?? '',
        namespace: item.metadata?.namespace ?? '',
        schedule: item.spec?.schedule ?? '',
        suspend: item.spec?.suspend ?? false,
        lastScheduleTime: toIso(item.status?.lastScheduleTime),
        containers: (item.spec?.jobTemplate.spec?.template.spec?.containers ?? []).map((container) => ({
          name: container.name,
          image: container.image ?? '',
        })),
        labels: item.metadata?.labels ?? {},
      }));
    },

    async listServices(namespace, labelSelector) {
      const list = await call({ kind: 'services', name: namespace, namespace }, 'read', (signal) =>
        core.listNamespacedService({ namespace, ...(labelSelector ? { labelSelector } : {}) }, attemptOptions(signal)),
      );
      return list.items.map(summarizeService);
    },

    async listEndpoints(namespace, labelSelector) {
      const list = await call({ kind: 'endpoints', name: namespace, namespace }, 'read', (signal) =>
        core.listNamespacedEndpoints(
          { namespace, ...(labelSelector ? { labelSelector } : {}) },
          attemptOptions(signal),
        ),
      );
      return list.items.map((item) => ({
        name: item.metadata?.name ?? '',
        addresses: (item.subsets ?? []).flatMap((subset) => (subset.addresses ?? []).map((address) => address.ip)),
        ports: (item.subsets ?? []).flatMap((subset) => (subset.ports ?? []).map((port) => port.port)),
      }));
    },

    async listEvents(namespace, involved) {
      const fieldSelector = `involvedObject.kind=${involved.kind},involvedObject.name=${involved.name}`;
      const list = await call({ kind: 'events', name: involved.name, namespace }, 'read', (signal) =>
        core.listNamespacedEvent({ namespace, fieldSelector }, attemptOptions(signal)),
      );
      return list.items.map((event) => ({
        reason: event.reason ?? '',
        message: event.message ?? '',
        type: event.type ?? '',
        count: event.count ?? 1,
        firstSeen: toIso(event.firstTimestamp ?? event.eventTime),
        lastSeen: toIso(event.lastTimestamp ?? event.eventTime),
        involvedObject: { kind: event.involvedObject.kind ?? '', name: event.involvedObject.name ?? '' },
      }));
    },

    async deletePod(namespace, name) {
      // A repeated delete would answer 404 for a pod the first copy deleted.
      await call({ kind: 'Pod', name, namespace }, 'write', (signal) =>
        core.deleteNamespacedPod({ name, namespace }, attemptOptions(signal)),
      );
    },

    async readLog(namespace, pod, options) {
      return call({ kind: 'Pod', name: pod, namespace }, 'read', (signal) =>
        core.readNamespacedPodLog({ name: pod, namespace, ...logQuery(options) }, attemptOptions(signal)),
      );
    },

    async followLog(namespace, pod, options, onLine, signal) {
      const query: Record<string, string> = { follow: 'true', container: options.container };
      for (const [name, value] of Object.entries(logQuery(options)))
        if (value !== undefined) query[name] = String(value);
      // Only connecting has a deadline: a followed log may stay quiet for long.
      const connecting = new AbortController();
      const connectDeadline = setTimeout(
        () => connecting.abort(new DOMException('connect timeout', 'TimeoutError')),
        timeoutMs,
      );
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
      const response = await raw(
        HttpMethod.GET,
        path,
        { kind: 'Pod', name: pod, namespace },
        {
          repeatability: 'read',
          query,
          signal: AbortSignal.any([signal, connecting.signal]),
        },
      ).finally(() => clearTimeout(connectDeadline));
      const reader = (Readable.toWeb(response) as ReadableStream<Uint8Array>)
        .pipeThrough(new TextDecoderStream())
        .getReader();
      signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
      let pending = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          pending += value;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) onLine(line);
        }
      } catch (error) {
        if (!signal.aborted) throw toDomainError(error, { kind: 'Pod', name: pod, namespace }, timeoutMs);
      }
      if (pending !== '' && !signal.aborted) onLine(pending);
    },

    async ensureNamespace(name, labels) {
      const subject = { kind: 'Namespace', name };
      try {
        await call(subject, 'read', (signal) => core.readNamespace({ name }, attemptOptions(signal)));
        return { created: false };
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      const body = { metadata: { name, ...(labels ? { labels } : {}) } };
      // A repeated create would answer 409 for the namespace the first copy made.
      await call(subject, 'write', (signal) => core.createNamespace({ body }, attemptOptions(signal)));
      return { created: true };
    },

    async deleteNamespace(name) {
      try {
        // A repeat's 404 counts as deleted (below), so the outcome is the same as of one copy.
        await call({ kind: 'Namespace', name }, 'idempotent-write', (signal) =>
          core.deleteNamespace({ name }, attemptOptions(signal)),
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    },

    async namespaceExists(name) {
      try {
        await call({ kind: 'Namespace', name }, 'read', (signal) =>
          core.readNamespace({ name }, attemptOptions(signal)),
        );
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },
  };

  async function readPodTemplateSpec(kind: ImageKind, namespace: string, name: string) {
    const path = workloadPath(kind, namespace, name);
    const subject = { kind, name, namespace };
    if (kind === 'CronJob') return (await readJson<V1CronJob>(path, subject)).spec?.jobTemplate.spec?.template.spec;
    return (await readJson<V1Deployment | V1StatefulSet>(path, subject)).spec?.template.spec;
  }
}

/**
 * Where each workload kind lives in the API. Workloads are read and patched
 * by path, not through client-node's generated AppsV1Api and BatchV1Api:
 * those two classes (with their request builders and model serializers) were
 * a quarter of a megabyte of every cluster function's bundle, for a handful
 * of GETs and PATCHes that `raw` makes as well.
 */
const WORKLOAD_RESOURCES = {
  Deployment: 'apps/v1/namespaces/{namespace}/deployments',
  StatefulSet: 'apps/v1/namespaces/{namespace}/statefulsets',
  DaemonSet: 'apps/v1/namespaces/{namespace}/daemonsets',
  CronJob: 'batch/v1/namespaces/{namespace}/cronjobs',
} as const;

/** The collection of a workload kind in a namespace, or one workload of it by name. */
function workloadPath(kind: keyof typeof WORKLOAD_RESOURCES, namespace: string, name?: string): string {
  const collection = `/apis/${WORKLOAD_RESOURCES[kind].replace('{namespace}', encodeURIComponent(namespace))}`;
  return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
}

/** Response headers as client-node's ApiException carries them: lower-case names. */
type DiscoveredResource = { name: string; kind: string; namespaced: boolean };

/** Resource names per (apiVersion, kind), read once per group version and cached with the client. */
function createDiscovery(load: (groupVersion: string) => Promise<DiscoveredResource[]>) {
  const cache = new Map<string, Promise<DiscoveredResource[]>>();
  return {
    async resolve(apiVersion: string, kind: string): Promise<DiscoveredResource> {
      let resources = cache.get(apiVersion);
      if (!resources) {
        resources = load(apiVersion);
        cache.set(apiVersion, resources);
        resources.catch(() => cache.delete(apiVersion));
      }
      const match = (await resources).find((resource) => resource.kind === kind && !resource.name.includes('/'));
      if (!match) {
        // A CRD installed after the first look-up: read the group version again once.
        cache.delete(apiVersion);
        const fresh = (await this.resolveFresh(apiVersion)).find(
          (resource) => resource.kind === kind && !resource.name.includes('/'),
        );
        if (!fresh) throw new KindNotServedError(apiVersion, kind);
        return fresh;
      }
      return match;
    },
    async resolveFresh(apiVersion: string) {
      const resources = load(apiVersion);
      cache.set(apiVersion, resources);
      resources.catch(() => cache.delete(apiVersion));
      return resources;
    },
  };
}

const logQuery = (options: LogOptions) => ({
  container: options.container,
  ...(options.tailLines === undefined ? {} : { tailLines: options.tailLines }),
  ...(options.sinceSeconds === undefined ? {} : { sinceSeconds: options.sinceSeconds }),
});

const toIso = (value: Date | string | undefined | null): string | null =>
  value === undefined || value === null ? null : new Date(value).toISOString();

function summarizeWorkload(
  kind: ScalableKind | 'DaemonSet',
  item: V1Deployment | V1StatefulSet | V1DaemonSet,
): WorkloadSummary {
  const status = (item.status ?? {}) as {
    readyReplicas?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
    observedGeneration?: number;
  };
  const spec = item.spec as
    | {
        replicas?: number;
        selector?: V1LabelSelector;
        template?: {
          metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
          spec?: { containers?: V1Container[] };
        };
      }
    | undefined;
  return {
    kind,
    name: item.metadata?.name ?? '',
    namespace: item.metadata?.namespace ?? '',
    replicas: kind === 'DaemonSet' ? (status.desiredNumberScheduled ?? 0) : (spec?.replicas ?? 1),
    readyReplicas: kind === 'DaemonSet' ? (status.numberReady ?? 0) : (status.readyReplicas ?? 0),
    labelSelector: toSelectorString(spec?.selector),
    podLabels: spec?.template?.metadata?.labels ?? {},
    labels: item.metadata?.labels ?? {},
    containers: (spec?.template?.spec?.containers ?? []).map((container) => ({
      name: container.name,
      image: container.image ?? '',
    })),
    generation: item.metadata?.generation ?? 0,
    observedGeneration: status.observedGeneration ?? 0,
    restartedAt: spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? null,
  };
}

/** The string form of a label selector, as `kubectl get -l` takes it. */
export function toSelectorString(selector: V1LabelSelector | undefined): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    switch (expression.operator) {
      case 'In':
        terms.push(`${expression.key} in (${values})`);
        break;
      case 'NotIn':
        terms.push(`${expression.key} notin (${values})`);
        break;
      case 'Exists':
        terms.push(expression.key);
        break;
      case 'DoesNotExist':
        terms.push(`!${expression.key}`);
        break;
    }
  }
  return terms.join(',');
}

function summarizePod(pod: V1Pod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    podIP: pod.status?.podIP ?? null,
    hostIP: pod.status?.hostIP ?? null,
    nodeName: pod.spec?.nodeName ?? null,
    labels: pod.metadata?.labels ?? {},
    ready: condition(pod, 'Ready'),
    containersReady: condition(pod, 'ContainersReady'),
    containers: (pod.spec?.containers ?? []).map((container) => {
      const status = statuses.find((entry) => entry.name === container.name);
      const state = status?.state?.running
        ? 'running'
        : status?.state?.terminated
          ? 'terminated'
          : status?.state?.waiting
            ? 'waiting'
            : 'unknown';
      const detail = status?.state?.waiting ?? status?.state?.terminated;
      return {
        name: container.name,
        image: container.image ?? '',
        ready: status?.ready ?? false,
        restartCount: status?.restartCount ?? 0,
        state,
        reason: detail?.reason ?? '',
        message: detail?.message ?? '',
        startedAt: toIso(status?.state?.running?.startedAt),
        ports: (container.ports ?? []).map((port) => ({
          containerPort: port.containerPort,
          protocol: port.protocol ?? 'TCP',
        })),
      };
    }),
    ownerReferences: (pod.metadata?.ownerReferences ?? []).map((owner) => ({ kind: owner.kind, name: owner.name })),
    terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null,
    createdAt: toIso(pod.metadata?.creationTimestamp),
  };
}

function hostPortsOf(pod: V1Pod): HostPortUse[] {
  return (pod.spec?.containers ?? []).flatMap((container) =>
    (container.ports ?? [])
      .filter((port) => port.hostPort !== undefined && port.hostPort > 0)
      .map((port) => ({
        namespace: pod.metadata?.namespace ?? '',
        pod: pod.metadata?.name ?? '',
        nodeName: pod.spec?.nodeName ?? null,
        hostPort: port.hostPort!,
        protocol: port.protocol ?? 'TCP',
      })),
  );
}

const condition = (pod: V1Pod, type: string): boolean =>
  (pod.status?.conditions ?? []).some((entry) => entry.type === type && entry.status === 'True');

function summarizeService(service: V1Service): ServiceSummary {
  return {
    name: service.metadata?.name ?? '',
    namespace: service.metadata?.namespace ?? '',
    type: service.spec?.type ?? 'ClusterIP',
    clusterIP: service.spec?.clusterIP ?? null,
    selector: service.spec?.selector ?? {},
    ports: (service.spec?.ports ?? []).map((port) => ({
      name: port.name ?? null,
      port: port.port,
      targetPort: (port.targetPort as string | number | undefined) ?? null,
      protocol: port.protocol ?? 'TCP',
      nodePort: port.nodePort ?? null,
    })),
    labels: service.metadata?.labels ?? {},
    createdAt: toIso(service.metadata?.creationTimestamp),
  };
}
