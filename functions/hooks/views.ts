import type { DeadLetterItem, SubscriptionRecord } from '../../core/webhooks/subscriptions.ts';
import type { ApprovalItem } from '../../core/hooks/approvals.ts';
import type { DeliveryItem, DeliveryOutcome, EventOutcome, StageItem } from '../../core/hooks/deliveries.ts';
import type { HookPolicy, HookTarget } from '../../core/hooks/hook-item.ts';
import type { HookRecord } from '../../core/hooks/manage-hooks.ts';
import type { PlanStep } from '../../core/hooks/rollout.ts';

/** The admin API's wire names for hooks, deliveries and plans (snake_case, as the rest of `/admin`). */

const policyView = (policy: HookPolicy) =>
  policy.type === 'semver'
    ? {
        type: policy.type,
        range: policy.range ?? null,
        level: policy.level ?? null,
        allow_prerelease: policy.allowPrerelease,
      }
    : policy;

function targetView(target: HookTarget) {
  switch (target.kind) {
    case 'zadig-env-service':
      return {
        kind: target.kind,
        project_key: target.project,
        production: target.scope === 'production',
        env_key: target.env,
        service_name: target.service,
        deployment: target.deployment,
        container: target.container,
      };
    case 'ote-stack-deployment':
      return { kind: target.kind, deploy_id: target.deployId };
    case 'k8s-service-deployment':
      return target;
  }
}

export const hookPath = (id: string) => `/hooks/${id}`;

export function hookView(hook: HookRecord, origin: string) {
  return {
    id: hook.id,
    name: hook.name,
    url: `${origin}${hookPath(hook.id)}`,
    source: hook.source,
    auth: hook.auth,
    image: hook.image,
    policy: policyView(hook.policy),
    allow_tags: hook.allowTags,
    ignore_tags: hook.ignoreTags,
    write: hook.write,
    targets: hook.targets.map(targetView),
    allow_downgrade: hook.allowDowngrade,
    dry_run: hook.dryRun,
    approval: hook.approval
      ? { approvers: hook.approval.approvers, deadline_seconds: hook.approval.deadlineSeconds }
      : null,
    health_timeout_seconds: hook.healthTimeoutSeconds,
    rate_limit_per_minute: hook.rateLimitPerMinute,
    max_event_age_seconds: hook.maxEventAgeSeconds,
    active_secrets: hook.activeSecrets,
    previous_secret_valid_until: hook.previousSecretValidUntil,
    created_at: hook.createdAt,
    updated_at: hook.updatedAt,
    version: hook.version,
  };
}

export const eventView = (event: EventOutcome) => ({
  repository: event.repository,
  tag: event.tag,
  digest: event.digest,
  time: event.time,
  actor: event.actor,
  image: event.image,
  verdict: event.verdict,
  reason: event.reason,
});

/** The answer to a delivery; a repeat gets the same one. */
export const deliveryAnswer = (outcome: DeliveryOutcome) => ({
  delivery_id: outcome.deliveryId,
  record_id: outcome.recordId,
  verdict: outcome.verdict,
  dry_run: outcome.dryRun,
  events: outcome.events.map(eventView),
  ignored: outcome.ignored,
});

export const deliveryView = (delivery: DeliveryItem) => ({
  record_id: delivery.recordId,
  delivery_id: delivery.deliveryId,
  received_at: delivery.receivedAt,
  verdict: delivery.verdict,
  reason: delivery.reason,
  events: delivery.outcome?.events.map(eventView) ?? [],
  ignored: delivery.outcome?.ignored ?? [],
  dry_run: delivery.outcome?.dryRun ?? false,
});

export const stageView = (stage: StageItem) => ({
  at: stage.at,
  stage: stage.stage,
  target: stage.target,
  from: stage.from,
  to: stage.to,
  detail: stage.detail,
});

export const planView = (step: PlanStep) => ({ ...step });

export const approvalView = (approval: ApprovalItem) => ({
  hook_id: approval.hookId,
  hook_name: approval.hookName,
  record_id: approval.recordId,
  status: approval.status,
  image: approval.event.image,
  tag: approval.event.tag,
  digest: approval.digest,
  required_approvals: approval.required,
  approvals: approval.votes.filter((vote) => vote.decision === 'approve').length,
  votes: approval.votes.map((vote) => ({
    by: vote.by,
    decision: vote.decision,
    digest: vote.digest,
    comment: vote.comment,
    at: vote.at,
  })),
  requested_at: approval.requestedAt,
  deadline: approval.deadline,
  superseded_by: approval.supersededBy,
});

export const subscriptionView = (subscription: SubscriptionRecord) => ({
  id: subscription.id,
  url: subscription.url,
  event_types: subscription.eventTypes,
  project: subscription.project,
  created_at: subscription.createdAt,
});

export const deadLetterView = (dead: DeadLetterItem) => ({
  msg_id: dead.msgId,
  type: dead.type,
  body: dead.body,
  attempts: dead.attempts,
  last_error: dead.lastError,
  failed_at: dead.failedAt,
});
