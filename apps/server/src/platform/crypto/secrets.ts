import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Keys derived from the installation's SECRET_KEY: one to encrypt secrets at rest (provider
 * credentials, TOTP secrets), one to hash bearer tokens (session and API-key secrets are stored
 * as keyed hashes, useless without the key even if the database leaks).
 */
export type Secrets = {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  hashToken(token: string): string;
  verifyToken(token: string, expectedHash: string): boolean;
};

export function createSecrets(secretKey: Buffer): Secrets {
  if (secretKey.length < 32) throw new Error('SECRET_KEY must be at least 32 bytes');
  const encKey = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'leadmaster/encryption/v1', 32));
  const macKey = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'leadmaster/token-hash/v1', 32));
  const hashToken = (token: string) => createHmac('sha256', macKey).update(token).digest('hex');
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    decrypt(ciphertext) {
      const [version, ivText, bodyText] = ciphertext.split('.');
      if (version !== 'v1' || !ivText || !bodyText) throw new Error('unrecognised ciphertext');
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(ivText, 'base64url'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    },
    hashToken,
    verifyToken(token, expectedHash) {
      const actual = Buffer.from(hashToken(token), 'hex');
      const expected = Buffer.from(expectedHash, 'hex');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** SECRET_KEY from the environment, or one generated on first start into DATA_DIR (mode 0600). */
export async function loadSecretKey(options: { secretKey: string | undefined; dataDir: string }): Promise<Buffer> {
  if (options.secretKey) return Buffer.from(options.secretKey, 'base64url');
  const file = path.join(options.dataDir, 'secret.key');
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    const handle = await open(file, 'wx', 0o600);
    const key = randomBytes(32);
    await handle.writeFile(key.toString('base64url'));
    await handle.sync();
    await handle.close();
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    if (key.length < 32) throw new Error(`${file} does not hold a valid key`);
    return key;
  }
}
