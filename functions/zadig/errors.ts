import type { DomainError } from '../../core/errors.ts';
import type { RenderError } from '../http/app-shell.ts';
import { httpStatusOf } from '../http/status.ts';

/** How a dialect spells the domain field paths errors name (`configs[0].yaml` → `env_configs[0].yaml_data`). */
export type WireField = (domainPath: string) => string;

/** A `WireField` renaming each segment of a path found in `names`; other segments are spelled as in the domain. */
export const wireFieldsFrom =
  (names: Readonly<Record<string, string>>): WireField =>
  (path) =>
    path.replace(/[A-Za-z_]\w*/g, (segment) => (Object.hasOwn(names, segment) ? names[segment]! : segment));

/**
 * Zadig's envelope: `{code, message, description}`. As in the spec's example
 * (`{"code": 500, "message": "Internal Error", "description": "..."}`),
 * `code` repeats the HTTP status, `message` names the kind of failure and
 * `description` says what exactly went wrong (which field, in the group's
 * wire names, which object).
 */
export const zadigErrorRenderer =
  (wireField: WireField = (path) => path): RenderError =>
  (error, c) => {
    const status = httpStatusOf(error.code);
    return c.json({ code: status, message: zadigMessage(error), description: error.describe(wireField) }, status);
  };

/** For groups whose field names are the domain's (Berth's own admin API). */
export const renderZadigError = zadigErrorRenderer();

function zadigMessage(error: DomainError): string {
  switch (error.code) {
    case 'Invalid':
      return 'Bad Request';
    case 'Unauthorized':
      return 'Unauthorized';
    case 'Forbidden':
      return 'Forbidden';
    case 'NotFound':
      return 'Not Found';
    case 'MethodNotAllowed':
      return 'Method Not Allowed';
    case 'Conflict':
      return 'Conflict';
    case 'Unprocessable':
      return 'Unprocessable Entity';
    case 'TooLarge':
      return 'Request Entity Too Large';
    case 'Unavailable':
      return 'Service Unavailable';
    case 'Internal':
      return 'Internal Error';
  }
}
