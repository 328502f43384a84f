import type { ApprovalItem } from '../hooks/approvals.ts';
import type { StageItem } from '../hooks/deliveries.ts';
import type { EnvironmentItem } from '../environments/environment-item.ts';
import type { DeployItem } from '../deploys/deploy-item.ts';
import type { WebhookEventType } from './subscriptions.ts';

/** One state an object reached, to be told once to each subscription that asks for its type. */
export type Notification = {
  type: WebhookEventType;
  /** The object and the state it reached: a subscription is told of each pair once. */
  object: string;
  state: string;
  project: string | null;
  data: Record<string, unknown>;
};

/** A table change as the stream reports it. */
export type TableChange = {
  event: 'INSERT' | 'MODIFY' | 'REMOVE';
  newItem: Record<string, unknown> | undefined;
  oldItem: Record<string, unknown> | undefined;
};

const ROLLOUT_STAGES: ReadonlySet<StageItem['stage']> = new Set(['rollout', 'health', 'rollback', 'failed']);

/**
 * The states a table change reports, read from the items themselves. A state
 * is named so that a later return to the same status is a new state (the
 * environment's version, the deployment's change number), while the stream
 * delivering the same change again names the same one.
 */
export function notificationsOf(change: TableChange): Notification[] {
  const item = change.newItem;
  if (!item) return [];
  switch (item['entity']) {
    case 'environment': {
      const env = item as EnvironmentItem;
      if (change.oldItem?.['status'] === env.status) return [];
      return [
        {
          type: 'environment.status',
          object: `environment/${env.project}/${env.scope}/${env.key}`,
          state: `${env.status}@${env.version}`,
          project: env.project,
          data: {
            project_key: env.project,
            env_key: env.key,
            production: env.scope === 'production',
            status: env.status,
            message: env.statusMessage ?? null,
          },
        },
      ];
    }
    case 'ote-deploy': {
      const deploy = item as DeployItem;
      if (change.oldItem?.['status'] === deploy.status) return [];
      return [
        {
          type: 'ote-deploy.status',
          object: `ote-deploy/${deploy.id}`,
          state: `${deploy.status}@${deploy.changes}`,
          project: deploy.projectName,
          data: {
            id: deploy.id,
            deployName: deploy.deployName,
            appName: deploy.appName,
            version: deploy.appVersion,
            deployType: deploy.deployType,
            status: deploy.status,
          },
        },
      ];
    }
    case 'hook-stage': {
      const stage = item as StageItem;
      if (change.event !== 'INSERT' || !ROLLOUT_STAGES.has(stage.stage)) return [];
      const state =
        stage.stage === 'health' ? (stage.detail.startsWith('failed') ? 'unhealthy' : 'healthy') : stage.stage;
      return [
        {
          type: 'hook.rollout',
          object: `hook/${stage.hookId}/${stage.recordId}/${stage.target ?? ''}`,
          state,
          project: null,
          data: {
            hook_id: stage.hookId,
            record_id: stage.recordId,
            target: stage.target,
            state,
            from: stage.from,
            to: stage.to,
            detail: stage.detail,
          },
        },
      ];
    }
    case 'hook-approval': {
      const approval = item as ApprovalItem;
      if (change.event !== 'INSERT') return [];
      return [
        {
          type: 'approval.requested',
          object: `approval/${approval.hookId}/${approval.recordId}`,
          state: 'requested',
          project: null,
          data: {
            hook_id: approval.hookId,
            hook_name: approval.hookName,
            record_id: approval.recordId,
            image: approval.event.image,
            digest: approval.digest,
            required_approvals: approval.required,
            deadline: approval.deadline,
          },
        },
      ];
    }
    default:
      return [];
  }
}
