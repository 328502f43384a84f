import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bootstrap admin token and the encryption key for a local run: taken
 * from the environment when set, otherwise generated once and kept in the data
 * directory (mode 600), so that a second start can still read what the first
 * one encrypted.
 */
export function localSecrets(
  dataDir: string,
  env: Record<string, string | undefined>,
): { adminToken: string; encryptionKey: string } {
  mkdirSync(dataDir, { recursive: true });
  return {
    adminToken:
      env['BERTH_ADMIN_TOKEN'] ??
      kept(join(dataDir, 'admin-token'), () => `berth_admin_${randomBytes(24).toString('base64url')}`),
    encryptionKey:
      env['BERTH_ENCRYPTION_KEY'] ?? kept(join(dataDir, 'encryption-key'), () => randomBytes(32).toString('hex')),
  };
}

function kept(path: string, generate: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = generate();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}
