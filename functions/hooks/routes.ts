import * as v from 'valibot';
import { defineRoute } from '../http/contract.ts';
import { PageQuery } from '../http/pagination.ts';
import { CreateHookBody, CreateWebhookBody, RotateHookBody, TestHookBody, VoteBody } from './schemas.ts';

const IdParam = v.strictObject({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) });
const DeliveryParams = v.strictObject({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  recordId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
});

const ApprovalParams = v.strictObject({
  hookId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  recordId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
});

const exampleApproval = {
  hook_id: '5f0c6d8e2b7a4c1d9e3f8a6b0c2d4e6f',
  hook_name: 'web on push',
  record_id: '20261125T100000123Z-1a2b3c4d',
  status: 'pending',
  image: `registry.example.com/shop/web:1.4.2@sha256:${'ab'.repeat(32)}`,
  tag: '1.4.2',
  digest: `sha256:${'ab'.repeat(32)}`,
  required_approvals: 2,
  approvals: 1,
  votes: [
    {
      by: 'alice',
      decision: 'approve',
      digest: `sha256:${'ab'.repeat(32)}`,
      comment: '',
      at: '2026-11-25T10:05:00.000Z',
    },
  ],
  requested_at: '2026-11-25T10:00:00.000Z',
  deadline: '2026-11-26T10:00:00.000Z',
  superseded_by: null,
};

const exampleWebhook = {
  id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  url: 'https://ops.example.com/berth-events',
  event_types: ['hook.rollout', 'approval.requested'],
  project: null,
  created_at: '2026-11-25T10:00:00.000Z',
};

const exampleHook = {
  id: '5f0c6d8e2b7a4c1d9e3f8a6b0c2d4e6f',
  name: 'web on push',
  url: 'https://berth.example.com/hooks/5f0c6d8e2b7a4c1d9e3f8a6b0c2d4e6f',
  source: 'distribution',
  auth: 'authorization',
  image: 'registry.example.com/shop/web',
  policy: { type: 'semver', range: '^1', level: null, allow_prerelease: false },
  allow_tags: [],
  ignore_tags: ['*-debug'],
  write: 'tag@digest',
  targets: [
    {
      kind: 'zadig-env-service',
      project_key: 'shop',
      production: false,
      env_key: 'dev',
      service_name: 'web',
      deployment: 'web',
      container: 'web',
    },
  ],
  allow_downgrade: false,
  dry_run: false,
  approval: { approvers: 2, deadline_seconds: 86400 },
  health_timeout_seconds: 120,
  rate_limit_per_minute: 60,
  max_event_age_seconds: 3600,
  active_secrets: 1,
  previous_secret_valid_until: null,
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
  version: 1,
};

const exampleAnswer = {
  delivery_id: '6e5d4c3b-2a19-4f08-8e7d-6c5b4a392817',
  record_id: '20261125T100000123Z-1a2b3c4d',
  verdict: 'accepted',
  dry_run: false,
  events: [
    {
      repository: 'shop/web',
      tag: '1.4.2',
      digest: `sha256:${'ab'.repeat(32)}`,
      time: '2026-11-25T10:00:00.000Z',
      actor: 'ci',
      image: `registry.example.com/shop/web:1.4.2@sha256:${'ab'.repeat(32)}`,
      verdict: 'accepted',
      reason: null,
    },
  ],
  ignored: [],
};

/** The inbound hook: its own function, public (the delivery's signature is its authentication). */
export const hooksRoutes = {
  receive: defineRoute({
    method: 'post',
    path: '/hooks/:hookId',
    summary:
      'Receive a registry or CI delivery: signature checked over the raw body, then normalised, deduplicated and rolled out',
    tags: ['hooks'],
    access: 'public',
    params: v.strictObject({ hookId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) }),
    responses: {
      200: { description: 'Received; nothing to act on (not a push, outside the policy, stale), or a ping' },
      202: {
        description: 'Accepted: the rollout proceeds; a repeat of the same delivery gets this same answer',
        example: exampleAnswer,
      },
      400: { description: 'Not the source’s payload shape' },
      401: { description: 'Signature, timestamp or Authorization header refused (recorded)' },
      404: { description: 'No such hook' },
      413: { description: 'Body over 256 KiB' },
      429: { description: 'Over the hook’s rate limit; Retry-After says when to retry' },
    },
  }),
};

const tags = ['admin'] as const;

/** The admin routes of hooks, mounted by the admin group. */
export const hookAdminRoutes = {
  createHook: defineRoute({
    method: 'post',
    path: '/admin/hooks',
    summary: 'Create an inbound hook (its secret is shown only in this answer)',
    tags,
    access: 'admin',
    body: CreateHookBody,
    responses: { 201: { description: 'The hook and its secret', example: { ...exampleHook, secret: 'bhk_…' } } },
  }),
  listHooks: defineRoute({
    method: 'get',
    path: '/admin/hooks',
    summary: 'List hooks (never their secrets)',
    tags,
    access: 'admin',
    query: PageQuery,
    responses: { 200: { description: 'A page of hooks', example: { items: [exampleHook], next_cursor: null } } },
  }),
  getHook: defineRoute({
    method: 'get',
    path: '/admin/hooks/:id',
    summary: 'Read a hook',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 200: { description: 'The hook', example: exampleHook } },
  }),
  deleteHook: defineRoute({
    method: 'delete',
    path: '/admin/hooks/:id',
    summary: 'Delete a hook and its delivery records',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 204: { description: 'Deleted' } },
  }),
  rotateHookSecret: defineRoute({
    method: 'post',
    path: '/admin/hooks/:id/rotate',
    summary: 'Rotate the secret; the old one keeps working for grace_seconds (default 24 h)',
    tags,
    access: 'admin',
    params: IdParam,
    body: RotateHookBody,
    responses: {
      200: {
        description: 'The hook with its new secret (shown only here)',
        example: {
          ...exampleHook,
          active_secrets: 2,
          previous_secret_valid_until: '2026-11-26T10:00:00.000Z',
          secret: 'bhk_…',
        },
      },
      409: { description: 'Changed concurrently' },
    },
  }),
  testHook: defineRoute({
    method: 'post',
    path: '/admin/hooks/:id/test',
    summary: 'Check a sample delivery (body and headers) and say what the hook would do, without doing it',
    tags,
    access: 'admin',
    params: IdParam,
    body: TestHookBody,
    responses: {
      200: {
        description: 'The signature verdict, the events, and the plan per target',
        example: {
          signature: 'valid',
          error: null,
          delivery_id: exampleAnswer.delivery_id,
          verdict: 'accepted',
          events: exampleAnswer.events,
          ignored: [],
          plan: [
            {
              target: 'zadig/shop/test/dev/web/web/web',
              from: 'registry.example.com/shop/web:1.4.1',
              to: exampleAnswer.events[0]?.image,
              verdict: 'roll',
              reason: null,
            },
          ],
        },
      },
    },
  }),
  listHookDeliveries: defineRoute({
    method: 'get',
    path: '/admin/hooks/:id/deliveries',
    summary: 'The hook’s deliveries, oldest first: accepted, ignored and refused, with why',
    tags,
    access: 'admin',
    params: IdParam,
    query: PageQuery,
    responses: { 200: { description: 'A page of deliveries', example: { items: [], next_cursor: null } } },
  }),
  getHookDelivery: defineRoute({
    method: 'get',
    path: '/admin/hooks/:id/deliveries/:recordId',
    summary: 'One delivery and every stage recorded for it (duplicates, plan, rollout, health gate, rollback)',
    tags,
    access: 'admin',
    params: DeliveryParams,
    responses: { 200: { description: 'The delivery and its stages' } },
  }),
  redriveHookDelivery: defineRoute({
    method: 'post',
    path: '/admin/hooks/:id/deliveries/:recordId/redrive',
    summary:
      'Run a stored delivery again through the same path as a new one: what was already rolled out is not rolled again',
    tags,
    access: 'admin',
    params: DeliveryParams,
    responses: {
      202: {
        description: 'Re-driven: the worker rolls the targets the plan says it will (stages on the delivery)',
        example: {
          record_id: '20261125T100000123Z-1a2b3c4d',
          redriven_by: 'admin',
          verdict: 'redriven',
          approval_required: false,
          events: exampleAnswer.events,
          plan: [
            {
              target: 'zadig/shop/test/dev/web/web/web',
              from: 'registry.example.com/shop/web:1.4.1',
              to: exampleAnswer.events[0]?.image,
              verdict: 'roll',
              reason: null,
            },
          ],
        },
      },
      200: { description: 'Nothing to do: every target already runs it, or it is outside the hook’s policy now' },
      404: { description: 'No such hook or delivery' },
      409: { description: 'The delivery was refused at the door: it has no events' },
    },
  }),
  listApprovals: defineRoute({
    method: 'get',
    path: '/admin/approvals',
    summary: 'Rollouts waiting for approvals (one per hook: a newer event supersedes the one pending)',
    tags,
    access: 'admin',
    responses: { 200: { description: 'The pending approvals, oldest first', example: { items: [exampleApproval] } } },
  }),
  voteOnApproval: defineRoute({
    method: 'post',
    path: '/admin/approvals/:hookId/:recordId/votes',
    summary: 'Approve or reject a pending rollout; the vote names the digest it approves',
    tags,
    access: 'admin',
    params: ApprovalParams,
    body: VoteBody,
    responses: {
      200: { description: 'The approval after the vote', example: exampleApproval },
      409: { description: 'Not pending (decided, superseded, expired), another digest, or a second vote by one token' },
    },
  }),
  createWebhook: defineRoute({
    method: 'post',
    path: '/admin/webhooks',
    summary:
      'Subscribe a URL to state changes (environment.status, ote-deploy.status, hook.rollout, approval.requested), signed the Standard Webhooks way; the secret is shown only here',
    tags,
    access: 'admin',
    body: CreateWebhookBody,
    responses: {
      201: { description: 'The subscription and its secret', example: { ...exampleWebhook, secret: 'whsec_…' } },
      400: {
        description:
          'Not https (plain http only to loopback in local mode), or a private, link-local or metadata address',
      },
    },
  }),
  listWebhooks: defineRoute({
    method: 'get',
    path: '/admin/webhooks',
    summary: 'List webhook subscriptions (never their secrets)',
    tags,
    access: 'admin',
    query: PageQuery,
    responses: {
      200: { description: 'A page of subscriptions', example: { items: [exampleWebhook], next_cursor: null } },
    },
  }),
  deleteWebhook: defineRoute({
    method: 'delete',
    path: '/admin/webhooks/:id',
    summary: 'Delete a webhook subscription',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 204: { description: 'Deleted' } },
  }),
  listWebhookDeadLetters: defineRoute({
    method: 'get',
    path: '/admin/webhooks/:id/dead-letters',
    summary: 'Notifications that every attempt failed to deliver, with the last error',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 200: { description: 'The dead letters', example: { items: [] } } },
  }),
};
