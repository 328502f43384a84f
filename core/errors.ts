/**
 * Domain errors: the only failure vocabulary `core/` speaks. Each dialect maps
 * these codes to its own envelope in exactly one place (its `errors.ts`).
 */
export type DomainErrorCode =
  | 'Invalid'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'Conflict'
  /** Well-formed, but it cannot be acted on as asked (an idempotency key reused for another request). */
  | 'Unprocessable'
  | 'TooLarge'
  | 'Unavailable'
  | 'Internal';

/**
 * An input field named inside a message, by its domain path (`configs[0].yaml`).
 * `message` spells it so; a dialect spells it with its own wire name.
 */
export class FieldRef {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
}

export const field = (path: string): FieldRef => new FieldRef(path);

/** A message whose field names are left to whoever shows it. */
export type MessageParts = ReadonlyArray<string | FieldRef>;

/**
 * Builds a message with field references: `` text`${field('yaml')}: must not be empty` ``.
 * A domain error interpolated whole keeps its own references, so a wrapped
 * error still names its fields in the dialect's words.
 */
export function text(strings: TemplateStringsArray, ...values: unknown[]): MessageParts {
  const parts: Array<string | FieldRef> = [strings[0]!];
  values.forEach((value, index) => {
    if (value instanceof FieldRef) parts.push(value);
    else if (value instanceof DomainError) parts.push(...value.parts);
    else parts.push(String(value));
    parts.push(strings[index + 1]!);
  });
  return parts;
}

const spell = (parts: MessageParts, name: (path: string) => string): string =>
  parts.map((part) => (typeof part === 'string' ? part : name(part.path))).join('');

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** The input field (dotted domain path) the error is about, when there is one. */
  readonly field: string | undefined;
  readonly parts: MessageParts;

  constructor(
    code: DomainErrorCode,
    message: string | MessageParts,
    options: { field?: string | undefined; cause?: unknown } = {},
  ) {
    const parts = typeof message === 'string' ? [message] : message;
    super(
      spell(parts, (path) => path),
      { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
    this.parts = parts;
  }

  /** The message with each field named by `name`: a dialect's wire names for the domain paths. */
  describe(name: (path: string) => string): string {
    return spell(this.parts, name);
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string | MessageParts, field?: string) {
    super('Invalid', message, { field });
  }
}

/** A required input field is absent (some dialects answer this case with their own wording). */
export class MissingFieldError extends InvalidInputError {
  constructor(field: string) {
    super(`${field} is required`, field);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'missing or invalid bearer token') {
    super('Unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('Forbidden', message);
  }
}

/**
 * `${entity} "${id}" not found`, and `in ${within}` when the thing is looked
 * up inside another: `Deployment "web" not found in environment "dev"`.
 */
export class NotFoundError extends DomainError {
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string, { in: within }: { in?: string } = {}) {
    super('NotFound', `${entity} "${id}" not found${within ? ` in ${within}` : ''}`);
    this.entity = entity;
    this.id = id;
  }
}

export class ConflictError extends DomainError {
  constructor(message: string | MessageParts) {
    super('Conflict', message);
  }
}

export class UnprocessableError extends DomainError {
  constructor(message: string) {
    super('Unprocessable', message);
  }
}

/** A known path asked with a method it does not serve; `allowed` are the methods it does. */
export class MethodNotAllowedError extends DomainError {
  readonly allowed: readonly string[];

  constructor(method: string, path: string, allowed: readonly string[]) {
    super('MethodNotAllowed', `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
    this.allowed = allowed;
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super('TooLarge', `request body exceeds ${limitBytes} bytes`);
  }
}

/** A write DynamoDB refuses because the item would pass its 400 KB item limit; nothing is stored. */
export class ItemTooLargeError extends DomainError {
  constructor(detail: string) {
    super('TooLarge', `too large to store: ${detail} (a stored item holds at most 400 KB)`);
  }
}

/** A cluster (or another dependency) did not answer, or answered with a server error. */
export class UnavailableError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super('Unavailable', message, { cause });
  }
}
