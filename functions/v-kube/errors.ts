import type { Context } from 'hono';
import { type DomainError, type DomainErrorCode, MissingFieldError } from '../../core/errors.ts';
import type { RenderError } from '../http/app-shell.ts';
import type { BerthEnv } from '../http/env.ts';
import { httpStatusOf } from '../http/status.ts';
import { API_PREFIX } from './routes.ts';

/** The document's own wording, where it gives one, by route and error code. */
const DOCUMENTED: Record<string, Partial<Record<DomainErrorCode, string>>> = {
  '/k8s/images': { Invalid: 'image format not allow.Format: image:tag', NotFound: 'image does not exist.' },
  // Its one documented 400 is a missing field; other mistakes (a port of 70000) say what is wrong.
  '/k8s/checkports': { Invalid: 'item field empty' },
  // The document's 500 text, typo included: clients may compare it.
  '*': { Internal: 'server errror' },
};

/**
 * The one map from domain errors to V-Kube's envelope,
 * `{"error": {"code": <HTTP status>, "message": "..."}}`.
 */
export const renderVKubeError: RenderError = (error, c) => {
  const status = httpStatusOf(error.code);
  return c.json({ error: { code: status, message: messageOf(error, c) } }, status);
};

function messageOf(error: DomainError, c: Context<BerthEnv>): string {
  const path = c.req.path.startsWith(`${API_PREFIX}/`) ? c.req.path.slice(API_PREFIX.length) : c.req.path;
  const documented = DOCUMENTED[path]?.[error.code] ?? DOCUMENTED['*']?.[error.code];
  if (documented === undefined) return error.message;
  if (path === '/k8s/checkports' && !(error instanceof MissingFieldError)) return error.message;
  return documented;
}
