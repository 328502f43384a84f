import { describe, expect, it } from 'vitest';
import type { PodSummary, WorkloadSummary } from '../../core/cluster/gateway.ts';
import { requiredLabel, selectorMatcher } from '../../core/cluster/selector.ts';
import { indexNamespace } from '../../core/environments/env-workloads.ts';

const pod = (name: string, labels: Record<string, string>, terminating = false): PodSummary => ({
  name,
  namespace: 'dev',
  phase: 'Running',
  podIP: null,
  hostIP: null,
  nodeName: null,
  labels,
  ready: true,
  containersReady: true,
  containers: [],
  ownerReferences: [],
  terminating,
  createdAt: null,
});

const workload = (kind: WorkloadSummary['kind'], name: string, labelSelector: string): WorkloadSummary =>
  ({ kind, name, namespace: 'dev', replicas: 1, readyReplicas: 1, labelSelector }) as WorkloadSummary;

describe('the namespace index', () => {
  const pods = [
    pod('web-1', { app: 'web', tier: 'front' }),
    pod('web-2', { app: 'web', tier: 'back' }),
    pod('web-old', { app: 'web', tier: 'front' }, true),
    pod('db-1', { app: 'db' }),
    pod('job-1', { batch: 'nightly' }),
  ];

  it.each(['app=web', 'app==web,tier=front', 'tier in (front),app=web', 'app!=web', 'batch', '!app', 'app=nobody'])(
    'finds what the plain matcher finds for %s, live pods only',
    (selector) => {
      const matches = selectorMatcher(selector);
      const expected = pods.filter((candidate) => !candidate.terminating && matches(candidate.labels));
      const found = indexNamespace([], pods).podsOf(workload('Deployment', 'any', selector));
      expect(found.map((candidate) => candidate.name).sort()).toEqual(
        expected.map((candidate) => candidate.name).sort(),
      );
    },
  );

  it('names the label a selector requires, or none when it requires no value', () => {
    expect(requiredLabel('tier in (front),app == web')).toBe('app=web');
    expect(requiredLabel('app!=web,!canary,batch')).toBeUndefined();
  });

  it('joins an env service to the workloads it applied, by kind and name', () => {
    const state = indexNamespace(
      [workload('Deployment', 'web', 'app=web'), workload('StatefulSet', 'web', 'app=db')],
      pods,
    );
    const found = state.workloadsOf({
      appliedObjects: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' },
        { apiVersion: 'v1', kind: 'Service', name: 'web' },
      ],
    });
    expect(found.map((item) => `${item.kind}/${item.name}`)).toEqual(['StatefulSet/web']);
  });
});
