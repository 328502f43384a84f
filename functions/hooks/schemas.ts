import * as v from 'valibot';
import {
  AUTH_SCHEMES,
  DEFAULT_AUTH,
  HOOK_SOURCES,
  type HookPolicy,
  type HookSpec,
  type HookTarget,
} from '../../core/hooks/hook-item.ts';
import { MAX_ROTATION_GRACE_SECONDS } from '../../core/hooks/manage-hooks.ts';
import { WEBHOOK_EVENT_TYPES } from '../../core/webhooks/subscriptions.ts';
import { parseSemVerRange } from '../../core/hooks/semver.ts';
import { Rfc1123Label, Rfc1123Subdomain } from '../../core/names.ts';

const Name = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(128));
const Tag = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.*?-]{0,127}$/, 'must be a tag or a tag glob'));
const compiles = (pattern: string) => {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
};

const Policy = v.variant('type', [
  v.strictObject({
    type: v.literal('semver'),
    range: v.optional(
      v.pipe(
        v.string(),
        v.check((range) => parseSemVerRange(range) !== undefined, 'must be a semver range such as ^1.2 or >=1.0 <2'),
      ),
    ),
    level: v.optional(v.picklist(['major', 'minor', 'patch'])),
    allow_prerelease: v.optional(v.boolean(), false),
  }),
  v.strictObject({ type: v.literal('glob'), pattern: v.pipe(v.string(), v.minLength(1)) }),
  v.strictObject({
    type: v.literal('regexp'),
    pattern: v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(256),
      v.check(compiles, 'must be a valid regular expression'),
    ),
  }),
  v.strictObject({ type: v.literal('digest'), tag: Tag }),
]);

const Target = v.variant('kind', [
  v.strictObject({
    kind: v.literal('zadig-env-service'),
    project_key: Rfc1123Label,
    production: v.optional(v.boolean(), false),
    env_key: Rfc1123Label,
    service_name: Rfc1123Subdomain,
    deployment: Rfc1123Subdomain,
    container: Rfc1123Label,
  }),
  v.strictObject({
    kind: v.literal('k8s-service-deployment'),
    cluster: v.optional(Rfc1123Label, 'default'),
    namespace: Rfc1123Label,
    deployment: Rfc1123Subdomain,
    container: Rfc1123Label,
  }),
  v.strictObject({
    kind: v.literal('ote-stack-deployment'),
    deploy_id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
]);

function toTarget(target: v.InferOutput<typeof Target>): HookTarget {
  switch (target.kind) {
    case 'zadig-env-service':
      return {
        kind: target.kind,
        project: target.project_key,
        scope: target.production ? 'production' : 'test',
        env: target.env_key,
        service: target.service_name,
        deployment: target.deployment,
        container: target.container,
      };
    case 'ote-stack-deployment':
      return { kind: target.kind, deployId: target.deploy_id };
    case 'k8s-service-deployment':
      return target;
  }
}

const toPolicy = (policy: v.InferOutput<typeof Policy>): HookPolicy =>
  policy.type === 'semver'
    ? {
        type: 'semver',
        allowPrerelease: policy.allow_prerelease,
        ...(policy.range ? { range: policy.range } : {}),
        ...(policy.level ? { level: policy.level } : {}),
      }
    : policy;

const Seconds = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** `POST /admin/hooks`. */
export const CreateHookBody = v.pipe(
  v.strictObject({
    name: Name,
    source: v.picklist(HOOK_SOURCES),
    auth: v.optional(v.picklist(AUTH_SCHEMES)),
    image: v.pipe(
      v.string(),
      v.regex(/^([a-zA-Z0-9.-]+(:[0-9]+)?\/)?[a-z0-9._/-]+$/, 'must be a repository without tag: host/path'),
      v.description('The repository the hook follows, as the targets reference it: `registry.example.com/shop/web`'),
    ),
    policy: Policy,
    allow_tags: v.optional(v.array(Tag), []),
    ignore_tags: v.optional(v.array(Tag), []),
    write: v.optional(v.picklist(['tag', 'digest', 'tag@digest']), 'tag@digest'),
    targets: v.pipe(v.array(Target), v.minLength(1, 'must name at least one target'), v.maxLength(20)),
    allow_downgrade: v.optional(v.boolean(), false),
    dry_run: v.optional(v.boolean(), false),
    approval: v.optional(
      v.strictObject({
        approvers: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)),
        deadline_seconds: v.optional(Seconds(60, 7 * 24 * 3600), 24 * 3600),
      }),
    ),
    health_timeout_seconds: v.optional(Seconds(1, 600), 120),
    rate_limit_per_minute: v.optional(Seconds(1, 6000), 60),
    max_event_age_seconds: v.optional(Seconds(60, 7 * 24 * 3600), 3600),
  }),
  v.check(
    (body) => (body.source === 'ecr') === ((body.auth ?? DEFAULT_AUTH[body.source]) === 'eventbridge'),
    'auth: ECR hooks, and only they, take their events from EventBridge (auth eventbridge)',
  ),
  v.check(
    (body) => !(body.policy.type === 'digest' && body.write === 'tag'),
    'write: a digest policy follows a mutable tag, so it must write a digest (digest or tag@digest)',
  ),
  v.transform(
    (body): HookSpec => ({
      name: body.name,
      source: body.source,
      auth: body.auth ?? DEFAULT_AUTH[body.source],
      image: body.image,
      policy: toPolicy(body.policy),
      allowTags: body.allow_tags,
      ignoreTags: body.ignore_tags,
      write: body.write,
      targets: body.targets.map(toTarget),
      allowDowngrade: body.allow_downgrade,
      dryRun: body.dry_run,
      ...(body.approval
        ? { approval: { approvers: body.approval.approvers, deadlineSeconds: body.approval.deadline_seconds } }
        : {}),
      healthTimeoutSeconds: body.health_timeout_seconds,
      rateLimitPerMinute: body.rate_limit_per_minute,
      maxEventAgeSeconds: body.max_event_age_seconds,
    }),
  ),
);

/** `POST /admin/hooks/:id/rotate`. */
export const RotateHookBody = v.optional(
  v.strictObject({ grace_seconds: v.optional(Seconds(0, MAX_ROTATION_GRACE_SECONDS)) }),
  {},
);

/** `POST /admin/hooks/:id/test`: a sample delivery as the sender would send it. */
export const TestHookBody = v.strictObject({
  body: v.pipe(v.string(), v.maxLength(256 * 1024)),
  headers: v.optional(v.record(v.string(), v.string()), {}),
});

/** `POST /admin/approvals/:hookId/:recordId/votes`: a vote for the digest the voter checked. */
export const VoteBody = v.strictObject({
  decision: v.picklist(['approve', 'reject']),
  digest: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  comment: v.optional(v.pipe(v.string(), v.maxLength(1024)), ''),
});

/** `POST /admin/webhooks`. */
export const CreateWebhookBody = v.pipe(
  v.strictObject({
    url: v.pipe(v.string(), v.maxLength(2048)),
    event_types: v.pipe(v.array(v.picklist(WEBHOOK_EVENT_TYPES)), v.minLength(1, 'must name at least one event type')),
    project: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  }),
  v.transform((body) => ({ url: body.url, eventTypes: body.event_types, project: body.project ?? null })),
);
