import type { CoreContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { ServiceScope } from '../services/scope.ts';
import { hookKeys } from '../store/keys.ts';

/** Where deliveries come from; each has its payload shape and a default way to authenticate. */
export const HOOK_SOURCES = ['distribution', 'harbor', 'github', 'standard-webhooks', 'generic', 'ecr'] as const;
export type HookSource = (typeof HOOK_SOURCES)[number];

/** How a delivery proves it comes from the holder of the hook's secret. */
export const AUTH_SCHEMES = ['github', 'standard-webhooks', 'hmac', 'authorization', 'eventbridge'] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export const DEFAULT_AUTH: Record<HookSource, AuthScheme> = {
  // The distribution registry and Harbor can only send a static header.
  distribution: 'authorization',
  harbor: 'authorization',
  github: 'github',
  'standard-webhooks': 'standard-webhooks',
  generic: 'hmac',
  // ECR pushes reach Berth through an EventBridge rule invoking its function: AWS vouches for them, nothing signs them.
  ecr: 'eventbridge',
};

/** Which tags a hook follows, and how a newer one is told from an older one. */
export type HookPolicy =
  | { type: 'semver'; range?: string; level?: 'major' | 'minor' | 'patch'; allowPrerelease: boolean }
  | { type: 'glob'; pattern: string }
  | { type: 'regexp'; pattern: string }
  /** A mutable tag: follow what it points to. */
  | { type: 'digest'; tag: string };

/** How the new image is written into the target: `repo:tag`, `repo@digest` or `repo:tag@digest`. */
export type ImageWrite = 'tag' | 'digest' | 'tag@digest';

/** A Berth object a hook moves, named through the domain. */
export type HookTarget =
  | {
      kind: 'zadig-env-service';
      project: string;
      scope: ServiceScope;
      env: string;
      service: string;
      deployment: string;
      container: string;
    }
  | { kind: 'k8s-service-deployment'; cluster: string; namespace: string; deployment: string; container: string }
  /** Moved to the version of its application whose image is the event's. */
  | { kind: 'ote-stack-deployment'; deployId: number };

/** Rollouts wait for `approvers` distinct approvals of the image's digest, given before `deadlineSeconds` pass. */
export type ApprovalSetting = { approvers: number; deadlineSeconds: number };

export type HookSpec = {
  name: string;
  source: HookSource;
  auth: AuthScheme;
  /** The repository the hook follows, as targets reference it (`registry.example.com/shop/web`). */
  image: string;
  policy: HookPolicy;
  allowTags: string[];
  ignoreTags: string[];
  write: ImageWrite;
  targets: HookTarget[];
  allowDowngrade: boolean;
  dryRun: boolean;
  /** Absent: rollouts go ahead unattended. */
  approval?: ApprovalSetting | undefined;
  healthTimeoutSeconds: number;
  rateLimitPerMinute: number;
  maxEventAgeSeconds: number;
};

/** A secret sealed to its hook; a rotated-out one keeps working until `validUntil`. */
export type SealedSecret = { sealed: string; createdAt: string; validUntil?: string };

export type HookItem = HookSpec & {
  id: string;
  secrets: SealedSecret[];
  createdAt: string;
  updatedAt: string;
  version: number;
};

export const secretAad = (hookId: string): string => `hook:${hookId}:secret`;

export async function readHook(ctx: CoreContext, id: string): Promise<HookItem> {
  const item = await ctx.store.get<HookItem>(hookKeys.hook(id));
  if (!item) throw new NotFoundError('hook', id);
  return item;
}

/** A stable name for a target: its lease, its rollouts and its audit lines use it. */
export function targetKey(target: HookTarget): string {
  switch (target.kind) {
    case 'zadig-env-service':
      return `zadig/${target.project}/${target.scope}/${target.env}/${target.service}/${target.deployment}/${target.container}`;
    case 'k8s-service-deployment':
      return `k8s/${target.cluster}/${target.namespace}/${target.deployment}/${target.container}`;
    case 'ote-stack-deployment':
      return `ote/${target.deployId}`;
  }
}

/** The secrets a delivery may be signed with at `now`: the current one, and rotated ones still in their window. */
export function usableSecrets(ctx: Pick<CoreContext, 'secrets'>, hook: HookItem, now: Date): string[] {
  return hook.secrets
    .filter((secret) => secret.validUntil === undefined || Date.parse(secret.validUntil) > now.getTime())
    .map((secret) => ctx.secrets.open(secret.sealed, secretAad(hook.id)));
}
