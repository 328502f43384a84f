import { describe, expect, it } from 'vitest';
import type { HookSpec } from '../../core/hooks/hook-item.ts';
import { normalise } from '../../core/hooks/normalise.ts';
import { admitEvent, desiredImage, isForward } from '../../core/hooks/policy.ts';
import { parseSemVer, parseSemVerRange, satisfies } from '../../core/hooks/semver.ts';
import { signDelivery, verifySignature } from '../../core/hooks/signatures.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const hook = (overrides: Partial<HookSpec> = {}): HookSpec => ({
  name: 'web',
  source: 'generic',
  auth: 'hmac',
  image: 'registry.example.com/shop/web',
  policy: { type: 'semver', allowPrerelease: false },
  allowTags: [],
  ignoreTags: [],
  write: 'tag@digest',
  targets: [],
  allowDowngrade: false,
  dryRun: false,
  healthTimeoutSeconds: 120,
  rateLimitPerMinute: 60,
  maxEventAgeSeconds: 3600,
  ...overrides,
});
const push = (tag: string, extra: { digest?: string; time?: Date } = {}) => ({
  repository: 'shop/web',
  host: 'registry.example.com',
  tag,
  digest: extra.digest ?? digest,
  time: extra.time,
  actor: undefined,
});

describe('semver ranges', () => {
  it.each([
    ['^1.2', '1.9.0', true],
    ['^1.2', '2.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['1.x', '1.7.1', true],
    ['>=1.0 <2', '1.99.0', true],
    ['>=1.0 <2', '2.0.0-rc.1', false],
    ['<1 || >=3', '3.1.0', true],
    ['<1 || >=3', '2.0.0', false],
    ['*', 'v4.0.0', true],
  ])('%s holds %s: %s', (range, version, expected) => {
    const parsed = parseSemVerRange(range);
    const candidate = parseSemVer(version);
    if (!parsed || !candidate) throw new Error('unparsable');
    expect(satisfies(candidate, parsed)).toBe(expected);
  });

  it('refuses what is not a range', () => {
    expect(parseSemVerRange('latest')).toBeUndefined();
  });
});

describe('policies', () => {
  it('follows the repository, the allow and ignore lists and the tag rule', () => {
    expect(admitEvent(hook(), push('1.2.3'))).toEqual({ ok: true });
    expect(admitEvent(hook(), { ...push('1.2.3'), repository: 'shop/api' })).toMatchObject({ ok: false });
    expect(admitEvent(hook({ ignoreTags: ['*-debug'] }), push('1.2.3-debug'))).toMatchObject({
      reason: 'tag 1.2.3-debug is on the ignore list',
    });
    expect(admitEvent(hook(), push('1.2.3-rc.1'))).toMatchObject({ reason: 'tag 1.2.3-rc.1 is a pre-release' });
    expect(admitEvent(hook({ policy: { type: 'glob', pattern: 'main-*' } }), push('main-42'))).toEqual({ ok: true });
    expect(admitEvent(hook({ policy: { type: 'regexp', pattern: '^build-\\d+$' } }), push('build-x'))).toMatchObject({
      ok: false,
    });
    expect(admitEvent(hook({ policy: { type: 'digest', tag: 'latest' } }), push('latest'))).toEqual({ ok: true });
  });

  it('writes tag, digest or tag@digest', () => {
    expect(desiredImage(hook({ write: 'tag' }), push('1.0.0'))).toBe('registry.example.com/shop/web:1.0.0');
    expect(desiredImage(hook({ write: 'digest' }), push('1.0.0'))).toBe(`registry.example.com/shop/web@${digest}`);
    expect(desiredImage(hook(), push('1.0.0'))).toBe(`registry.example.com/shop/web:1.0.0@${digest}`);
  });

  it('never moves back, unless downgrades are allowed; the level bounds the step either way', () => {
    const running = `registry.example.com/shop/web:1.4.0@${digest}`;
    expect(isForward(hook(), push('1.3.9'), running, undefined)).toMatchObject({ ok: false });
    expect(isForward(hook({ allowDowngrade: true }), push('1.3.9'), running, undefined)).toEqual({ ok: true });
    const minor = hook({ policy: { type: 'semver', level: 'minor', allowPrerelease: false } });
    expect(isForward(minor, push('2.0.0'), running, undefined)).toMatchObject({ ok: false });
    expect(isForward(minor, push('1.5.0'), running, undefined)).toEqual({ ok: true });
  });

  it('orders mutable tags by event time', () => {
    const digestHook = hook({ policy: { type: 'digest', tag: 'latest' } });
    const last = '2026-11-25T10:00:00.000Z';
    const older = push('latest', { digest: `sha256:${'b'.repeat(64)}`, time: new Date('2026-11-25T09:00:00Z') });
    const newer = { ...older, time: new Date('2026-11-25T11:00:00Z') };
    expect(isForward(digestHook, older, 'x', last)).toMatchObject({ ok: false });
    expect(isForward(digestHook, newer, 'x', last)).toEqual({ ok: true });
  });
});

describe('signatures', () => {
  const body = Buffer.from('{"image":"r/a","tag":"1.0.0"}');
  const now = new Date('2026-11-25T10:00:00Z');
  const check = (
    scheme: 'github' | 'hmac' | 'authorization' | 'standard-webhooks',
    headers: Record<string, string>,
    secrets: string[],
    at = now,
  ) => verifySignature({ scheme, secrets, header: (name) => headers[name], body, now: at });

  it.each(['github', 'hmac', 'authorization', 'standard-webhooks'] as const)(
    '%s: the right key passes, another fails',
    (scheme) => {
      const secret = scheme === 'standard-webhooks' ? `whsec_${Buffer.alloc(32, 7).toString('base64')}` : 'bhk_right';
      const headers = signDelivery({ scheme, secret, body, id: 'msg_1', now });
      expect(check(scheme, headers, [secret])).toMatchObject({ ok: true });
      expect(check(scheme, headers, ['bhk_wrong', `whsec_${Buffer.alloc(32, 8).toString('base64')}`])).toMatchObject({
        ok: false,
      });
      expect(check(scheme, headers, ['bhk_wrong', secret])).toMatchObject({ ok: true });
    },
  );

  it('refuses a Standard Webhooks delivery outside the 5 minute window, and a changed body', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const headers = signDelivery({ scheme: 'standard-webhooks', secret, body, id: 'msg_1', now });
    expect(check('standard-webhooks', headers, [secret], new Date(now.getTime() + 301_000))).toMatchObject({
      ok: false,
    });
    const changed = verifySignature({
      scheme: 'standard-webhooks',
      secrets: [secret],
      header: (name) => headers[name],
      body: Buffer.from('{"image":"r/a","tag":"6.6.6"}'),
      now,
    });
    expect(changed).toEqual({ ok: false, reason: 'webhook-signature does not match' });
  });
});

describe('normalisation', () => {
  it('keeps tagged manifest pushes of a distribution envelope and says why the rest are ignored', () => {
    const delivery = normalise(
      'distribution',
      {
        events: [
          {
            id: 'e1',
            action: 'push',
            target: { mediaType: 'application/octet-stream', repository: 'shop/web', digest },
          },
          {
            id: 'e2',
            action: 'push',
            timestamp: '2026-11-25T10:00:00Z',
            target: {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              repository: 'shop/web',
              tag: '1.0.0',
              digest,
            },
            request: { host: 'registry.example.com' },
            actor: { name: 'ci' },
          },
          { id: 'e3', action: 'pull', target: { repository: 'shop/web', tag: '1.0.0' } },
        ],
      },
      () => undefined,
    );
    expect(delivery.senderId).toBe('e1,e2,e3');
    expect(delivery.events).toEqual([
      {
        repository: 'shop/web',
        host: 'registry.example.com',
        tag: '1.0.0',
        digest,
        time: new Date('2026-11-25T10:00:00Z'),
        actor: 'ci',
      },
    ]);
    expect(delivery.ignored).toHaveLength(2);
  });

  it('reads Harbor, GitHub package and Standard Webhooks pushes, and answers a GitHub ping', () => {
    const harbor = normalise(
      'harbor',
      {
        type: 'PUSH_ARTIFACT',
        occur_at: 1764064800,
        operator: 'admin',
        event_data: {
          resources: [{ digest, tag: '1.0.0', resource_url: 'harbor.example.com/shop/web:1.0.0' }],
          repository: { repo_full_name: 'shop/web' },
        },
      },
      () => undefined,
    );
    expect(harbor.events[0]).toMatchObject({ repository: 'shop/web', host: 'harbor.example.com', tag: '1.0.0' });
    const headers: Record<string, string> = { 'x-github-event': 'package', 'x-github-delivery': 'd-1' };
    const github = normalise(
      'github',
      {
        action: 'published',
        package: {
          name: 'Web',
          package_type: 'CONTAINER',
          namespace: 'Shop',
          package_version: { version: digest, container_metadata: { tag: { name: '1.0.0', digest } } },
        },
        sender: { login: 'octocat' },
      },
      (name) => headers[name],
    );
    expect(github).toMatchObject({
      senderId: 'd-1',
      events: [{ repository: 'shop/web', host: 'ghcr.io', tag: '1.0.0' }],
    });
    expect(normalise('github', {}, (name) => ({ 'x-github-event': 'ping' })[name])).toMatchObject({ ping: true });
    const standard = normalise(
      'standard-webhooks',
      { type: 'image.pushed', data: { repository: 'registry.example.com/shop/web', tag: '1.0.0' } },
      (name) => ({ 'webhook-id': 'msg_1' })[name],
    );
    expect(standard).toMatchObject({ senderId: 'msg_1', events: [{ repository: 'shop/web', tag: '1.0.0' }] });
  });

  /** An ECR push as EventBridge delivers it (AWS's documented sample). */
  const ecrEvent = (detail: Record<string, string>) => ({
    version: '0',
    id: '13cde686-328b-6117-af20-0e5566167482',
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: '123456789012',
    time: '2026-11-25T10:00:00Z',
    region: 'us-west-2',
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': 'shop/web',
      'image-digest': `sha256:${'7f'.repeat(32)}`,
      'action-type': 'PUSH',
      'image-tag': '1.4.2',
      ...detail,
    },
  });

  it('turns an ECR push from EventBridge into one event keyed by the event id', () => {
    expect(normalise('ecr', ecrEvent({}), () => undefined)).toEqual({
      senderId: '13cde686-328b-6117-af20-0e5566167482',
      events: [
        {
          repository: 'shop/web',
          host: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
          tag: '1.4.2',
          digest: `sha256:${'7f'.repeat(32)}`,
          time: new Date('2026-11-25T10:00:00Z'),
          actor: undefined,
        },
      ],
      ignored: [],
    });
  });

  it('ignores ECR deletions, failed pushes and untagged pushes, and refuses another shape', () => {
    const ignoredFor = (detail: Record<string, string>) => normalise('ecr', ecrEvent(detail), () => undefined).ignored;
    expect(ignoredFor({ 'action-type': 'DELETE' })).toEqual(['action DELETE is not a push']);
    expect(ignoredFor({ result: 'FAILURE' })).toEqual(['push result FAILURE is not SUCCESS']);
    expect(ignoredFor({ 'image-tag': '' })).toEqual(['a push without a tag']);
    expect(() => normalise('ecr', { id: 'x', detail: {} }, () => undefined)).toThrow(/not a ecr delivery/);
  });

  it('takes no HTTP delivery for an ECR hook: only EventBridge hands its events over', () => {
    const verdict = verifySignature({
      scheme: 'eventbridge',
      secrets: ['bhk_x'],
      header: () => 'Bearer bhk_x',
      body: Buffer.from('{}'),
      now: new Date(),
    });
    expect(verdict).toEqual({
      ok: false,
      reason: 'this hook takes ECR events from EventBridge only, not HTTP deliveries',
    });
  });
});
