import { NotFoundError, type DomainErrorCode } from '../errors.ts';

/**
 * The port through which every use-case talks to a Kubernetes cluster. The
 * implementation over `@kubernetes/client-node` lives in `kube-cluster.ts` and
 * is wired only by composition roots, so functions that never touch a cluster
 * never bundle the client.
 */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

/** Kinds other objects need to exist first: what is in a Namespace, and the custom resources of a CRD. */
const PREREQUISITE_KINDS = new Set(['Namespace', 'CustomResourceDefinition']);

export const isPrerequisite = (object: Pick<KubeObject, 'kind'>) => PREREQUISITE_KINDS.has(object.kind);

export type ApplyResult = {
  kind: string;
  name: string;
  namespace: string | undefined;
  outcome: 'applied' | 'failed';
  message?: string;
  /** Why a `failed` outcome failed, as the domain error the call raised. */
  code?: DomainErrorCode;
};

/** The cluster does not serve this kind at all (a CRD that is not installed), as opposed to an object that is missing. */
export class KindNotServedError extends NotFoundError {
  constructor(apiVersion: string, kind: string) {
    super('resource kind', `${apiVersion}/${kind}`);
  }
}

export type ScalableKind = 'Deployment' | 'StatefulSet';
export type RestartableKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export type ImageKind = 'Deployment' | 'StatefulSet' | 'CronJob';

export type PodSummary = {
  name: string;
  namespace: string;
  phase: string;
  podIP: string | null;
  hostIP: string | null;
  nodeName: string | null;
  labels: Record<string, string>;
  ready: boolean;
  containersReady: boolean;
  containers: Array<{
    name: string;
    image: string;
    ready: boolean;
    restartCount: number;
    state: string;
    reason: string;
    message: string;
    startedAt: string | null;
    ports: Array<{ containerPort: number; protocol: string }>;
  }>;
  ownerReferences: Array<{ kind: string; name: string }>;
  /** Deleted, and waiting for its containers to stop (after a scale-down or a rollout). */
  terminating: boolean;
  createdAt: string | null;
};

export type CronJobSummary = {
  name: string;
  namespace: string;
  schedule: string;
  suspend: boolean;
  lastScheduleTime: string | null;
  containers: Array<{ name: string; image: string }>;
  labels: Record<string, string>;
};

export type ServiceSummary = {
  name: string;
  namespace: string;
  type: string;
  clusterIP: string | null;
  selector: Record<string, string>;
  ports: Array<{
    name: string | null;
    port: number;
    targetPort: string | number | null;
    protocol: string;
    nodePort: number | null;
  }>;
  labels: Record<string, string>;
  createdAt: string | null;
};

export type WorkloadSummary = {
  kind: ScalableKind | 'DaemonSet';
  name: string;
  namespace: string;
  replicas: number;
  readyReplicas: number;
  /** The workload's own pod selector, as a label-selector string (matchLabels and matchExpressions). */
  labelSelector: string;
  /** Labels its pod template gives every pod. */
  podLabels: Record<string, string>;
  labels: Record<string, string>;
  containers: Array<{ name: string; image: string }>;
  generation: number;
  observedGeneration: number;
  restartedAt: string | null;
};

export type EventSummary = {
  reason: string;
  message: string;
  type: string;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  involvedObject: { kind: string; name: string };
};

export type LogOptions = { container: string; tailLines?: number; sinceSeconds?: number };

export type NodeSummary = { name: string; labels: Record<string, string> };

/** One host port a pod holds on its node (a container port with `hostPort`). */
export type HostPortUse = {
  namespace: string;
  pod: string;
  /** null while the pod waits to be scheduled. */
  nodeName: string | null;
  hostPort: number;
  protocol: string;
};

export type KubeCluster = {
  /** Closes the client's connections; the client is not used afterwards. */
  close(): Promise<void>;
  /** The API server's version (`/version`): the cheapest proof it answers. */
  version(): Promise<{ gitVersion: string; platform: string }>;
  /**
   * Server-side apply of each object with Berth's field manager; one result per object, in order.
   * Namespaces and CRDs go first, one by one in their order; then the others at once, up to the client's bound
   * of writes in flight (`OBJECT_WRITE_CONCURRENCY`), which every call of this client shares.
   */
  apply(objects: KubeObject[], options: { namespace: string }): Promise<ApplyResult[]>;
  /** Deletes what `apply` created; objects already gone count as deleted. */
  deleteObjects(objects: KubeObject[], options: { namespace: string }): Promise<ApplyResult[]>;
  getObject(ref: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  }): Promise<KubeObject | undefined>;
  /** Objects of any kind (CRDs included) in a namespace, optionally by label selector. */
  listObjects(ref: {
    apiVersion: string;
    kind: string;
    namespace: string;
    labelSelector?: string;
  }): Promise<KubeObject[]>;
  /** Sets (string) or removes (null) labels of a namespace, leaving the others as they are. */
  labelNamespace(name: string, labels: Record<string, string | null>): Promise<void>;

  getWorkload(kind: ScalableKind | 'DaemonSet', namespace: string, name: string): Promise<WorkloadSummary>;
  listWorkloads(namespace: string, labelSelector?: string): Promise<WorkloadSummary[]>;
  scale(kind: ScalableKind, namespace: string, name: string, replicas: number): Promise<void>;
  restart(kind: RestartableKind, namespace: string, name: string, at: Date): Promise<void>;
  setImage(kind: ImageKind, namespace: string, name: string, container: string, image: string): Promise<void>;

  listPods(namespace: string, labelSelector?: string): Promise<PodSummary[]>;
  listNodes(labelSelector?: string): Promise<NodeSummary[]>;
  /** Host ports held by pods of every namespace, in one list; finished pods (Succeeded, Failed) hold none. */
  listHostPorts(): Promise<HostPortUse[]>;
  listCronJobs(namespace: string): Promise<CronJobSummary[]>;
  listServices(namespace: string, labelSelector?: string): Promise<ServiceSummary[]>;
  listEndpoints(
    namespace: string,
    labelSelector?: string,
  ): Promise<Array<{ name: string; addresses: string[]; ports: number[] }>>;
  listEvents(namespace: string, involved: { kind: string; name: string }): Promise<EventSummary[]>;
  deletePod(namespace: string, name: string): Promise<void>;

  readLog(namespace: string, pod: string, options: LogOptions): Promise<string>;
  /** Streams log lines until `signal` aborts or the container's log ends. */
  followLog(
    namespace: string,
    pod: string,
    options: LogOptions,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;

  ensureNamespace(name: string, labels?: Record<string, string>): Promise<{ created: boolean }>;
  deleteNamespace(name: string): Promise<void>;
  namespaceExists(name: string): Promise<boolean>;
};

/** Resolves a registered cluster id to a connected client, reusing connections across calls. */
export type ClusterConnections = {
  get(clusterId: string): Promise<KubeCluster>;
  /** Drops the cached client, e.g. after the cluster's kubeconfig changed. */
  forget(clusterId: string): void;
};
