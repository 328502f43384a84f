import type { ImageAppItem } from '../apps/app-item.ts';
import type { KubeObject } from '../cluster/gateway.ts';
import type { DeployItem } from './deploy-item.ts';
import { DEPLOY_LABEL, nodeLabelTerms } from './targets.ts';

export const pullSecretName = (repositoryId: string) => `ote-pull-${repositoryId}`;

/** Every kind a deployment may render, so the worker removes what a new version no longer renders. */
export const RENDERED_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
] as const;

/**
 * An application version as a deployment's objects: a Deployment (with a
 * HorizontalPodAutoscaler v2 when `isHPA`) or a DaemonSet, and a Service for
 * its ports. All named after the deployment, selected by its label, so a new
 * version is a rolling update of the same objects. CPU is in percent of a
 * core (10 = 100m), memory in MB (Mi); 0 leaves a request or limit unset.
 */
export function renderDeploy(deploy: Pick<DeployItem, 'deployName' | 'nodeLabel'>, app: ImageAppItem): KubeObject[] {
  const name = deploy.deployName;
  const labels = { 'app.kubernetes.io/managed-by': 'berth', [DEPLOY_LABEL]: name, 'berth.dev/ote-app': app.appName };
  const selector = { matchLabels: { [DEPLOY_LABEL]: name } };
  const podTemplate = {
    metadata: { labels: { ...labels, 'berth.dev/ote-app-version': app.appVersion } },
    spec: {
      ...placement(deploy.nodeLabel),
      ...(app.repositoryId ? { imagePullSecrets: [{ name: pullSecretName(app.repositoryId) }] } : {}),
      containers: [
        {
          name: app.appName,
          image: app.image,
          ...(app.command.trim() ? { command: app.command.trim().split(/\s+/) } : {}),
          ...(app.env.length > 0 ? { env: app.env.map(({ name: envName, value }) => ({ name: envName, value })) } : {}),
          ...(app.port.length > 0
            ? {
                ports: app.port.map((port) => ({
                  containerPort: port.port,
                  protocol: port.protocol,
                  ...(port.hostPort ? { hostPort: port.hostPort } : {}),
                })),
              }
            : {}),
          resources: resources(app),
          ...(app.volume.length > 0
            ? {
                volumeMounts: app.volume.map((volume, index) => ({
                  name: `volume-${index}`,
                  mountPath: volume.path,
                  readOnly: volume.readOnly,
                })),
              }
            : {}),
        },
      ],
      ...(app.volume.length > 0
        ? {
            volumes: app.volume.map((volume, index) => ({
              name: `volume-${index}`,
              hostPath: { path: volume.hostPath },
            })),
          }
        : {}),
    },
  };
  const metadata = { name, labels };
  const objects: KubeObject[] = [];
  if (app.deployType === 'deployment') {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        // With an autoscaler the replica count is the autoscaler's, so the apply leaves it out.
        ...(app.isHPA ? {} : { replicas: app.replicas ?? app.minReplicas ?? 1 }),
        selector,
        minReadySeconds: app.minReadySeconds,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: app.maxUnavailable, maxSurge: app.maxSurge },
        },
        template: podTemplate,
      },
    });
    if (app.isHPA) objects.push(autoscaler(name, labels, app));
  } else {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata,
      spec: {
        selector,
        minReadySeconds: app.minReadySeconds,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: Math.max(1, app.maxUnavailable) } },
        template: podTemplate,
      },
    });
  }
  if (app.port.length > 0) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: selector.matchLabels,
        ports: app.port.map((port) => ({
          name: `${port.protocol.toLowerCase()}-${port.port}`,
          port: port.port,
          targetPort: port.port,
          protocol: port.protocol,
        })),
      },
    });
  }
  return objects;
}

function resources(app: ImageAppItem) {
  const quantities = (cpuPercent: number, memoryMb: number, gpu: number) => ({
    ...(cpuPercent > 0 ? { cpu: `${cpuPercent * 10}m` } : {}),
    ...(memoryMb > 0 ? { memory: `${memoryMb}Mi` } : {}),
    ...(gpu > 0 ? { 'nvidia.com/gpu': String(gpu) } : {}),
  });
  // Extended resources (GPUs) take no request different from their limit.
  return {
    requests: quantities(app.minCPU, app.minMemory, app.GPU),
    limits: quantities(app.maxCPU, app.maxMemory, app.GPU),
  };
}

function autoscaler(name: string, labels: Record<string, string>, app: ImageAppItem): KubeObject {
  const utilization = (resource: 'cpu' | 'memory', percent: number) =>
    percent > 0
      ? [
          {
            type: 'Resource',
            resource: { name: resource, target: { type: 'Utilization', averageUtilization: percent } },
          },
        ]
      : [];
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: Math.max(1, app.minReplicas ?? 1),
      maxReplicas: app.maxReplicas,
      metrics: [...utilization('cpu', app.targetCPUUtilization), ...utilization('memory', app.targetMemUtilization)],
    },
  };
}

/** `key=value` terms as a nodeSelector; bare `key` terms need node affinity (`Exists`). */
function placement(nodeLabel: string) {
  const terms = nodeLabelTerms(nodeLabel);
  const exact = terms.filter((term) => term.value !== undefined);
  const present = terms.filter((term) => term.value === undefined);
  return {
    ...(exact.length > 0 ? { nodeSelector: Object.fromEntries(exact.map((term) => [term.key, term.value!])) } : {}),
    ...(present.length > 0
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: present.map((term) => ({ key: term.key, operator: 'Exists' })) },
                ],
              },
            },
          },
        }
      : {}),
  };
}
