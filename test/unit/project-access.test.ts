import { describe, expect, it } from 'vitest';
import { requireAdmin, requireProjectAccess } from '../../core/auth/authenticate.ts';
import type { Principal } from '../../core/auth/schemas.ts';
import { ForbiddenError } from '../../core/errors.ts';

const principal = (role: Principal['role'], projects?: string[]): Principal => ({
  tokenId: 't',
  name: 'n',
  role,
  projects,
});

describe('project scope', () => {
  it('lets admins and unscoped users into every project', () => {
    expect(() => requireProjectAccess(principal('admin', ['a']), 'b')).not.toThrow();
    expect(() => requireProjectAccess(principal('user'), 'b')).not.toThrow();
  });

  it('keeps a scoped user to the listed projects', () => {
    expect(() => requireProjectAccess(principal('user', ['a']), 'a')).not.toThrow();
    expect(() => requireProjectAccess(principal('user', ['a']), 'b')).toThrow(ForbiddenError);
    expect(() => requireProjectAccess(principal('user', []), 'a')).toThrow('no access to project "a"');
  });

  it('keeps users out of admin operations', () => {
    expect(() => requireAdmin(principal('user'))).toThrow(ForbiddenError);
    expect(() => requireAdmin(principal('admin'))).not.toThrow();
  });
});
