// API keys are encrypted at rest with AES-256-GCM. The key comes from BODHI_ENCRYPTION_KEY
// (32 bytes as hex/base64, or any passphrase, stretched with scrypt), else from a random
// key file created once in the data dir with mode 0600.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v1';

export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
    },
    decrypt(sealed) {
      const [version, iv, tag, data] = sealed.split(':');
      if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('unrecognised ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** Turns BODHI_ENCRYPTION_KEY into 32 bytes: raw hex/base64 keys are used as-is, passphrases are stretched. */
export function keyFromSetting(setting: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(setting)) return Buffer.from(setting, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(setting)) {
    const raw = Buffer.from(setting, 'base64');
    if (raw.length === 32) return raw;
  }
  return scryptSync(setting, 'bodhi-gateway/api-keys', 32);
}

export const KEY_FILE = 'encryption.key';

export function loadOrCreateKey(home: string, setting: string | undefined): Buffer {
  if (setting) return keyFromSetting(setting);
  const file = join(home, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    try {
      // 'wx' so two processes starting at once can't overwrite each other's key.
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return keyFromSetting(readFileSync(file, 'utf8').trim());
}

/**
 * The key for a gateway or CLI run. With a shared database (PostgreSQL) every instance and the
 * CLI must encrypt and decrypt API keys with the same key, so a key file private to one data
 * dir is refused: BODHI_ENCRYPTION_KEY must be set.
 */
export function keyForConfig(config: { home: string; encryptionKey: string | undefined; databaseUrl: string | undefined }): Buffer {
  if (config.databaseUrl && !config.encryptionKey) {
    throw new Error(
      'BODHI_DATABASE_URL needs BODHI_ENCRYPTION_KEY: API keys in the shared database are encrypted with it, so every gateway instance and the CLI must be given the same key',
    );
  }
  return loadOrCreateKey(config.home, config.encryptionKey);
}
