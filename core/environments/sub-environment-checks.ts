import {
  KindNotServedError,
  type KubeCluster,
  type KubeObject,
  type ServiceSummary,
  type WorkloadSummary,
} from '../cluster/gateway.ts';
import { selectorMatcher } from '../cluster/selector.ts';
import {
  INJECTION_LABEL,
  SHARE_LABEL,
  SIDECAR_CONTAINER,
  VIRTUAL_SERVICE,
  virtualServiceName,
} from './sub-environment-objects.ts';
import type { ShareOp } from './sub-environment-schemas.ts';

/** A pod as the checks need it: read raw, so that native sidecars (Istio's `istio-proxy` as an init container) count. */
export type PodView = { labels: Record<string, string>; phase: string; containers: string[]; terminating: boolean };

/** What the checks read from the environment's namespace, with one list per kind. */
export type NamespaceView = {
  labels: Record<string, string>;
  workloads: WorkloadSummary[];
  services: ServiceSummary[];
  virtualServices: KubeObject[];
  pods: PodView[];
};

export async function readNamespaceView(cluster: KubeCluster, namespace: string): Promise<NamespaceView> {
  const [object, workloads, services, virtualServices, pods] = await Promise.all([
    cluster.getObject({ apiVersion: 'v1', kind: 'Namespace', name: namespace }),
    cluster.listWorkloads(namespace),
    cluster.listServices(namespace),
    listVirtualServices(cluster, namespace),
    readPods(cluster, namespace),
  ]);
  return { labels: object?.metadata.labels ?? {}, workloads, services, virtualServices, pods };
}

export const readPods = async (cluster: KubeCluster, namespace: string): Promise<PodView[]> =>
  (await cluster.listObjects({ apiVersion: 'v1', kind: 'Pod', namespace })).map(toPodView);

/** A cluster without Istio's CRDs has no VirtualServices (rather than failing the check). */
export async function listVirtualServices(
  cluster: KubeCluster,
  namespace: string,
  labelSelector?: string,
): Promise<KubeObject[]> {
  try {
    return await cluster.listObjects({ ...VIRTUAL_SERVICE, namespace, ...(labelSelector ? { labelSelector } : {}) });
  } catch (error) {
    if (error instanceof KindNotServedError) return [];
    throw error;
  }
}

function toPodView(pod: KubeObject): PodView {
  const spec = (pod['spec'] ?? {}) as {
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string }>;
  };
  const status = (pod['status'] ?? {}) as { phase?: string };
  return {
    labels: pod.metadata.labels ?? {},
    phase: status.phase ?? 'Unknown',
    containers: [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((container) => container.name),
    terminating: Boolean(pod.metadata['deletionTimestamp']),
  };
}

const isSubset = (subset: Record<string, string>, set: Record<string, string>) =>
  Object.entries(subset).every(([key, value]) => set[key] === value);

/** Deployments and StatefulSets: the workloads Zadig routes to. */
const routable = (view: Pick<NamespaceView, 'workloads'>) =>
  view.workloads.filter((workload) => workload.kind === 'Deployment' || workload.kind === 'StatefulSet');

/** A Service selects a workload when its selector is a subset of the workload's pod-template labels; a Service without a selector selects nothing. */
const selects = (service: ServiceSummary, workload: WorkloadSummary) =>
  Object.keys(service.selector).length > 0 && isSubset(service.selector, workload.podLabels);

/** Routable workloads that no Service selects, as `<name>.<Kind>`, sorted. */
export function workloadsWithoutService(view: Pick<NamespaceView, 'workloads' | 'services'>): string[] {
  return routable(view)
    .filter((workload) => !view.services.some((service) => selects(service, workload)))
    .map((workload) => `${workload.name}.${workload.kind}`)
    .sort();
}

/** The Services that select a routable workload (Zadig's `doesSvcHasWorkload`). */
export const servicesWithWorkloads = (view: Pick<NamespaceView, 'workloads' | 'services'>): ServiceSummary[] =>
  view.services.filter((service) => routable(view).some((workload) => selects(service, workload)));

export const hasSidecar = (pod: Pick<PodView, 'containers'>) => pod.containers.includes(SIDECAR_CONTAINER);
const livePods = (view: Pick<NamespaceView, 'pods'>) => view.pods.filter((pod) => !pod.terminating);

/** A workload's live pods, found by the workload's own selector (as everywhere else in Berth). */
export function podsOf(workload: WorkloadSummary, view: Pick<NamespaceView, 'pods'>): PodView[] {
  const matches = selectorMatcher(workload.labelSelector);
  return livePods(view).filter((pod) => matches(pod.labels));
}

export type ShareChecks = {
  namespaceInjected: boolean;
  virtualServicesDeployed: boolean;
  podsHaveSidecar: boolean;
  workloadsReady: boolean;
  workloadsHaveService: boolean;
};

/**
 * The documented checks, each read from the cluster:
 * - `namespaceInjected`: the namespace has `istio-injection=enabled`;
 * - `virtualServicesDeployed`: the namespace has Services and each has its VirtualService;
 * - `podsHaveSidecar`: the namespace has live pods and each has an `istio-proxy` container;
 * - `workloadsReady`: every workload rolled out its latest spec with all replicas ready, and no live pod is outside Running/Succeeded;
 * - `workloadsHaveService`: no Deployment or StatefulSet lacks a Service.
 * `ready` for `enable`: workloads ready, labelled, routed and injected.
 * For `disable`: workloads ready, and nothing of sharing left: no label, no
 * VirtualService of Berth's, no pod with a sidecar (stricter than the checks,
 * which stay false while some but not all pods still have one).
 * `workloadsHaveService` never blocks readiness: a workload without a
 * Service is merely not shareable.
 */
export function shareReadiness(view: NamespaceView, op: ShareOp): { ready: boolean; checks: ShareChecks } {
  const routed = new Set(view.virtualServices.map((object) => object.metadata.name));
  const pods = livePods(view);
  const checks: ShareChecks = {
    namespaceInjected: view.labels[INJECTION_LABEL] === 'enabled',
    virtualServicesDeployed:
      view.services.length > 0 && view.services.every((service) => routed.has(virtualServiceName(service.name))),
    podsHaveSidecar: pods.length > 0 && pods.every(hasSidecar),
    workloadsReady:
      view.workloads.every(
        (workload) => workload.observedGeneration >= workload.generation && workload.readyReplicas >= workload.replicas,
      ) && pods.every((pod) => pod.phase === 'Running' || pod.phase === 'Succeeded'),
    workloadsHaveService: workloadsWithoutService(view).length === 0,
  };
  const ready =
    op === 'enable'
      ? checks.workloadsReady && checks.namespaceInjected && checks.virtualServicesDeployed && checks.podsHaveSidecar
      : checks.workloadsReady &&
        !checks.namespaceInjected &&
        !view.virtualServices.some((object) => object.metadata.labels?.[SHARE_LABEL] !== undefined) &&
        !pods.some(hasSidecar);
  return { ready, checks };
}
