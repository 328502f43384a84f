import type { HookPolicy, HookSpec } from './hook-item.ts';
import { parseImageRef } from './image-ref.ts';
import type { ImageEvent } from './normalise.ts';
import { compareSemVer, parseSemVer, parseSemVerRange, satisfies } from './semver.ts';

export type Decision = { ok: true } | { ok: false; reason: string };

const refuse = (reason: string): Decision => ({ ok: false, reason });
const accept: Decision = { ok: true };

/** `*` any run of characters, `?` one; everything else literal. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text);
}

/** The repository path of the image a hook follows (its registry host dropped: a registry names itself its own way). */
export const followedRepository = (hook: Pick<HookSpec, 'image'>): string => parseImageRef(hook.image).path;

/**
 * Whether an event is one the hook acts on, from the event alone: the
 * repository it follows, the allow and ignore lists, and the policy's tag rule.
 */
export function admitEvent(hook: HookSpec, event: ImageEvent): Decision {
  if (event.repository !== followedRepository(hook))
    return refuse(`repository ${event.repository} is not the followed ${followedRepository(hook)}`);
  if (hook.ignoreTags.some((pattern) => globMatches(pattern, event.tag)))
    return refuse(`tag ${event.tag} is on the ignore list`);
  if (hook.allowTags.length > 0 && !hook.allowTags.some((pattern) => globMatches(pattern, event.tag)))
    return refuse(`tag ${event.tag} is not on the allow list`);
  if (hook.write !== 'tag' && !event.digest) return refuse(`the event carries no digest to write as ${hook.write}`);
  return admitTag(hook.policy, event);
}

function admitTag(policy: HookPolicy, event: ImageEvent): Decision {
  switch (policy.type) {
    case 'semver': {
      const version = parseSemVer(event.tag);
      if (!version) return refuse(`tag ${event.tag} is not a semantic version`);
      if (version.prerelease.length > 0 && !policy.allowPrerelease) return refuse(`tag ${event.tag} is a pre-release`);
      const range = policy.range ? parseSemVerRange(policy.range) : undefined;
      const comparable = policy.allowPrerelease ? { ...version, prerelease: [] } : version;
      if (range && !satisfies(comparable, range))
        return refuse(`tag ${event.tag} is outside the range ${policy.range}`);
      return accept;
    }
    case 'glob':
      return globMatches(policy.pattern, event.tag)
        ? accept
        : refuse(`tag ${event.tag} does not match ${policy.pattern}`);
    case 'regexp':
      return new RegExp(policy.pattern).test(event.tag)
        ? accept
        : refuse(`tag ${event.tag} does not match /${policy.pattern}/`);
    case 'digest':
      return event.tag === policy.tag ? accept : refuse(`tag ${event.tag} is not the followed tag ${policy.tag}`);
  }
}

/** The image reference written into a target for an event. */
export function desiredImage(
  hook: Pick<HookSpec, 'image' | 'write'>,
  event: Pick<ImageEvent, 'tag' | 'digest'>,
): string {
  const repository = hook.image;
  if (hook.write === 'tag' || !event.digest) return `${repository}:${event.tag}`;
  return hook.write === 'digest' ? `${repository}@${event.digest}` : `${repository}:${event.tag}@${event.digest}`;
}

/**
 * Whether moving a target from `current` to the event's image goes forward.
 * Semantic versions are compared (and the policy's level bounds the step);
 * other policies have no order among tags, so the event must be newer than
 * the last event applied to the target. A hook that allows downgrades skips
 * the order checks, never the level.
 */
export function isForward(
  hook: HookSpec,
  event: Pick<ImageEvent, 'tag' | 'digest' | 'time'>,
  current: string | undefined,
  lastAppliedEventAt: string | undefined,
): Decision {
  const desired = desiredImage(hook, event);
  if (current === desired) return refuse(`already runs ${desired}`);
  const newerThanLast =
    !lastAppliedEventAt || !event.time || event.time.getTime() > Date.parse(lastAppliedEventAt)
      ? accept
      : refuse(`the event (${event.time.toISOString()}) is older than the last one applied (${lastAppliedEventAt})`);
  if (hook.policy.type !== 'semver') return hook.allowDowngrade ? accept : newerThanLast;
  const candidate = parseSemVer(event.tag);
  const currentTag = current ? parseImageRef(current).tag : undefined;
  const running = currentTag ? parseSemVer(currentTag) : undefined;
  if (!candidate || !running) return accept;
  const level = hook.policy.level;
  if (level === 'minor' && candidate.major !== running.major)
    return refuse(`${event.tag} is another major version than the running ${currentTag} (policy: minor)`);
  if (level === 'patch' && (candidate.major !== running.major || candidate.minor !== running.minor))
    return refuse(`${event.tag} is another minor version than the running ${currentTag} (policy: patch)`);
  if (hook.allowDowngrade) return accept;
  const order = compareSemVer(candidate, running);
  if (order < 0) return refuse(`${event.tag} is older than the running ${currentTag} (downgrades are not allowed)`);
  // The same version pushed again (a rebuilt image): only forward in time.
  return order === 0 ? newerThanLast : accept;
}
