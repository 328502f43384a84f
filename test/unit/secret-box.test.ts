import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, parseEncryptionKey } from '../../core/crypto/secret-box.ts';

describe('secret box (AES-256-GCM)', () => {
  const box = createSecretBox(randomBytes(32));

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = box.seal('token: hunter2', 'cluster:a');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed, 'cluster:a')).toBe('token: hunter2');
  });

  it('seals the same text differently each time', () => {
    expect(box.seal('same', 'x')).not.toBe(box.seal('same', 'x'));
  });

  it('refuses a ciphertext moved to another item, tampered with, or sealed under another key', () => {
    const sealed = box.seal('secret', 'cluster:a');
    expect(() => box.open(sealed, 'cluster:b')).toThrow();
    const [format, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([format, iv, tag, flipped.toString('base64url')].join('.'), 'cluster:a')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'cluster:a')).toThrow();
  });

  it('takes keys as 64 hex characters or base64 of 32 bytes, and nothing shorter', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(() => parseEncryptionKey('short')).toThrow('32 bytes');
  });
});
