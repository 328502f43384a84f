import { describe, expect, it } from 'vitest';
import type { ServiceSummary, WorkloadSummary } from '../../core/cluster/gateway.ts';
import {
  servicesWithWorkloads,
  shareReadiness,
  workloadsWithoutService,
  type NamespaceView,
  type PodView,
} from '../../core/environments/sub-environment-checks.ts';
import { portalGatewayName, serviceCopy } from '../../core/environments/sub-environment-objects.ts';
import type { ShareOp } from '../../core/environments/sub-environment-schemas.ts';
import { shareReadinessView } from '../../functions/zadig-environment/views.ts';

const workload = (
  name: string,
  kind: WorkloadSummary['kind'],
  podLabels: Record<string, string>,
  ready = 1,
): WorkloadSummary => ({
  kind,
  name,
  namespace: 'ns',
  replicas: 1,
  readyReplicas: ready,
  labelSelector: '',
  podLabels,
  labels: {},
  containers: [{ name, image: `${name}:1` }],
  generation: 1,
  observedGeneration: 1,
  restartedAt: null,
});
const service = (name: string, selector: Record<string, string>) =>
  ({
    name,
    namespace: 'ns',
    type: 'ClusterIP',
    clusterIP: null,
    selector,
    ports: [],
    labels: {},
  }) as unknown as ServiceSummary;
const pod = (app: string, containers: string[], phase = 'Running'): PodView => ({
  labels: { app },
  phase,
  containers,
  terminating: false,
});
const view = (changes: Partial<NamespaceView> = {}): NamespaceView => ({
  labels: {},
  workloads: [workload('web', 'Deployment', { app: 'web', tier: 'front' })],
  services: [service('web', { app: 'web' })],
  virtualServices: [],
  pods: [pod('web', ['web'])],
  ...changes,
});
const vs = (name: string) => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name, labels: { 'berth.dev/share-env': 'dev' } },
});

describe('workloads without a Service', () => {
  it('a Service selects a workload when its selector is a subset of the pod-template labels', () => {
    expect(workloadsWithoutService(view())).toEqual([]);
    expect(workloadsWithoutService(view({ services: [service('web', { app: 'web', tier: 'back' })] }))).toEqual([
      'web.Deployment',
    ]);
  });

  it('a Service without a selector selects nothing; DaemonSets are not counted; names are sorted', () => {
    const workloads = [
      workload('b', 'StatefulSet', { app: 'b' }),
      workload('a', 'Deployment', { app: 'a' }),
      workload('agent', 'DaemonSet', { app: 'agent' }),
    ];
    expect(workloadsWithoutService({ workloads, services: [service('external', {})] })).toEqual([
      'a.Deployment',
      'b.StatefulSet',
    ]);
  });
});

describe('services a sub-environment runs', () => {
  it('are the Services that select a Deployment or StatefulSet of its own', () => {
    const workloads = [workload('web', 'Deployment', { app: 'web' }), workload('agent', 'DaemonSet', { app: 'agent' })];
    const services = [service('web', { app: 'web' }), service('agent', { app: 'agent' }), service('db', { app: 'db' })];
    expect(servicesWithWorkloads({ workloads, services }).map((each) => each.name)).toEqual(['web']);
  });
});

describe("a base Service copied into a sub-environment's namespace", () => {
  it('keeps name, selector and ports, and claims no node port or address of its own', () => {
    const base = {
      ...service('web', { app: 'web' }),
      type: 'NodePort',
      clusterIP: '10.0.0.7',
      labels: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }],
    } as ServiceSummary;
    expect(serviceCopy('feature', base)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        labels: { app: 'web', 'app.kubernetes.io/managed-by': 'berth', 'berth.dev/share-env': 'feature' },
      },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });
  });

  it('stays headless when the base Service is', () => {
    const headless = { ...service('db', { app: 'db' }), clusterIP: 'None' } as ServiceSummary;
    expect(serviceCopy('feature', headless)['spec']).toEqual({ clusterIP: 'None', selector: { app: 'db' }, ports: [] });
  });
});

describe('share readiness', () => {
  /** As the API answers it. */
  const readiness = (namespace: NamespaceView, op: ShareOp) => shareReadinessView(shareReadiness(namespace, op));
  const shared = () =>
    view({
      labels: { 'istio-injection': 'enabled' },
      virtualServices: [vs('berth-web')],
      pods: [pod('web', ['web', 'istio-proxy'])],
    });

  it('enable is ready when labelled, routed, injected and rolled out', () => {
    expect(readiness(shared(), 'enable')).toEqual({
      is_ready: true,
      checks: {
        namespace_has_istio_label: true,
        virtualservice_deployed: true,
        pods_have_istio_proxy: true,
        workloads_ready: true,
        workloads_have_k8s_service: true,
      },
    });
    expect(
      readiness({ ...shared(), workloads: [workload('web', 'Deployment', { app: 'web' }, 0)] }, 'enable').is_ready,
    ).toBe(false);
  });

  it('disable waits for the last injected pod, though the check already reads false', () => {
    const rolling = view({ pods: [pod('web', ['web']), pod('web', ['web', 'istio-proxy'])] });
    expect(readiness(rolling, 'disable')).toEqual({
      is_ready: false,
      checks: {
        namespace_has_istio_label: false,
        virtualservice_deployed: false,
        pods_have_istio_proxy: false,
        workloads_ready: true,
        workloads_have_k8s_service: true,
      },
    });
    expect(readiness(view(), 'disable').is_ready).toBe(true);
    expect(readiness(view({ virtualServices: [vs('berth-web')] }), 'disable').is_ready).toBe(false);
  });

  it('an empty namespace has nothing routed and nothing injected', () => {
    expect(readiness(view({ workloads: [], services: [], pods: [] }), 'enable').checks).toEqual({
      namespace_has_istio_label: false,
      virtualservice_deployed: false,
      pods_have_istio_proxy: false,
      workloads_ready: true,
      workloads_have_k8s_service: true,
    });
  });

  it('a pod that is neither running nor done holds the workloads back', () => {
    expect(readiness(view({ pods: [pod('web', ['web'], 'Pending')] }), 'disable').checks.workloads_ready).toBe(false);
  });
});

describe('portal gateway names', () => {
  it('are object names whatever the Zadig service name, distinct for distinct names', () => {
    expect(portalGatewayName('service1')).toBe('berth-portal-service1');
    expect(portalGatewayName('My_Service')).toMatch(/^berth-portal-my-service-[0-9a-f]{6}$/);
    expect(portalGatewayName('my_service')).not.toBe(portalGatewayName('my-service'));
  });
});
