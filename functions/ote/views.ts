import { isChartApp, type AppItem, type ImageAppItem } from '../../core/apps/app-item.ts';
import type { AuditItem } from '../../core/deploys/audit.ts';
import { isEditable, type DeployHistoryItem, type DeployItem } from '../../core/deploys/deploy-item.ts';
import type { Image, Tag } from '../../core/repository/images.ts';
import type { OteProject } from '../../core/repository/projects.ts';
import type { ThirdPartyRepository } from '../../core/repository/third-party.ts';

/** ote-stack's wire names for Berth's domain: the one place they are written. */

/** Unix seconds, as the document's times; null when the registry does not know. */
const seconds = (time: Date | string | undefined): number | null =>
  time === undefined ? null : Math.floor(new Date(time).getTime() / 1000);

export const projectView = (project: OteProject) => ({
  projectId: project.projectId,
  projectName: project.projectName,
  public: project.isPublic,
  imageCount: project.imageCount,
  createTime: seconds(project.createdAt),
  updateTime: seconds(project.updatedAt),
});

export const imageView = (image: Image) => ({
  projectName: image.projectName,
  public: image.isPublic,
  imageName: image.imageName,
  imageAddress: image.address,
  createTime: seconds(image.createdAt),
  updateTime: seconds(image.updatedAt),
});

export const tagView = (tag: Tag) => ({
  tag: tag.tag,
  imageAddress: tag.address,
  createTime: seconds(tag.createdAt),
  updateTime: seconds(tag.createdAt),
});

export const thirdPartyRepositoryView = (repository: ThirdPartyRepository) => ({
  repositoryId: repository.repositoryId,
  address: repository.address,
  user: repository.user,
});

/** CPU is asked in percent of a core and shown in cores, as the document's examples do (10 → 0.1). */
const cores = (percent: number) => percent / 100;

const appCommon = (app: AppItem) => ({
  id: app.id,
  appName: app.appName,
  // 1 while a deployment runs this version, 0 otherwise.
  status: (app.deployments ?? 0) > 0 ? 1 : 0,
  projectName: app.projectName,
  version: app.appVersion,
  createTime: seconds(app.createdAt),
  updateTime: seconds(app.updatedAt),
});

/** A chart application has no image fields: its `deployType` is `chart`, with the chart it installs. */
export const appView = (app: AppItem) =>
  isChartApp(app)
    ? {
        ...appCommon(app),
        deployType: 'chart' as const,
        chartName: app.chart.chartName,
        chartVersion: app.chart.chartVersion,
        digest: app.chart.digest,
      }
    : imageAppView(app);

const imageAppView = (app: ImageAppItem) => ({
  ...appCommon(app),
  deployType: app.deployType,
  image: app.image,
  repositoryId: app.repositoryId ?? '',
  replicas: app.replicas ?? null,
  port: app.port,
  command: app.command,
  volume: app.volume,
  dependence: app.dependence,
  env: app.env,
  minReplicas: app.minReplicas ?? null,
  maxReplicas: app.maxReplicas ?? null,
  minCPU: cores(app.minCPU),
  maxCPU: cores(app.maxCPU),
  GPU: app.GPU,
  isHPA: app.isHPA,
  targetCPUUtilization: app.targetCPUUtilization,
  targetMemUtilization: app.targetMemUtilization,
  minMemory: app.minMemory,
  maxMemory: app.maxMemory,
  maxUnavailable: app.maxUnavailable,
  maxSurge: app.maxSurge,
  minReadySeconds: app.minReadySeconds,
});

export const deployView = (deploy: DeployItem) => ({
  id: deploy.id,
  deployName: deploy.deployName,
  appName: deploy.appName,
  version: deploy.appVersion,
  cluster: deploy.cluster,
  nodeLabel: deploy.nodeLabel,
  deployType: deploy.deployType,
  status: deploy.status,
  errorMessage: deploy.errorMessage ?? '',
  comment: deploy.comment,
  auditComment: deploy.auditComment ?? '',
  editable: isEditable(deploy.status),
  createTime: seconds(deploy.createdAt),
  updateTime: seconds(deploy.updatedAt),
});

/** `field=a,b` keeps those fields of a deployment; `historyVersion` is not a field of the view but a request for history. */
export function pickFields<T extends Record<string, unknown>>(view: T, fields: readonly string[]): Partial<T> {
  const wanted = fields.filter((field) => field !== 'historyVersion');
  if (wanted.length === 0) return view;
  return Object.fromEntries(Object.entries(view).filter(([key]) => wanted.includes(key))) as Partial<T>;
}

export const historyView = (entry: DeployHistoryItem) => ({
  version: entry.appVersion,
  deployType: entry.deployType,
  comment: entry.comment,
  user: entry.requestedBy,
  createTime: seconds(entry.requestedAt),
  audit: entry.audit,
  auditComment: entry.auditComment ?? '',
  auditUser: entry.auditedBy ?? '',
  auditTime: entry.auditedAt ? seconds(entry.auditedAt) : null,
});

export const auditView = (audit: AuditItem) => ({
  id: audit.auditId,
  businessName: audit.businessName,
  appName: audit.appName,
  version: audit.appVersion,
  cluster: audit.cluster,
  deployId: audit.deployId,
  deployType: audit.deployType,
  status: audit.status,
  comment: audit.decisionComment ?? audit.comment,
  createTime: seconds(audit.createdAt),
  updateTime: seconds(audit.decidedAt ?? audit.createdAt),
});
