import { type DomainError, MissingFieldError } from '../../core/errors.ts';
import type { RenderError } from '../http/app-shell.ts';
import { httpStatusOf } from '../http/status.ts';
import { API_PREFIX } from './routes.ts';

/**
 * The one map from domain errors to V-Kube's envelope,
 * `{"error": {"code": <HTTP status>, "message": "..."}}`.
 */
export const renderVKubeError: RenderError = (error, c) => {
  const status = httpStatusOf(error.code);
  const path = c.req.path.startsWith(`${API_PREFIX}/`) ? c.req.path.slice(API_PREFIX.length) : c.req.path;
  return c.json({ error: { code: status, message: messageOf(error, path) } }, status);
};

/** The document's own wording where it gives one; elsewhere, what went wrong. */
function messageOf(error: DomainError, path: string): string {
  // The document's 500 text, typo included: clients may compare it.
  if (error.code === 'Internal') return 'server errror';
  if (path === '/k8s/images' && error.code === 'Invalid') return 'image format not allow.Format: image:tag';
  if (path === '/k8s/images' && error.code === 'NotFound') return 'image does not exist.';
  // Its one documented 400 is a missing field; other mistakes (a port of 70000) say what is wrong.
  if (path === '/k8s/checkports' && error instanceof MissingFieldError) return 'item field empty';
  return error.message;
}
