import type { z } from 'zod';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';

export class CliError extends Error {}

export type CliContext = {
  setup(defaultLevel: Config['logLevel']): { config: Config; logger: Logger };
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
};

/** Validates one option with the same rules as the API, naming the option on failure. */
export function checked<T extends z.ZodType>(schema: T, name: string, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CliError(`--${name}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  return result.data;
}

/** Reads a secret from standard input: the whole of a pipe, or one hidden line from a terminal. */
export async function readSecretFromStdin(prompt: string, stderr: NodeJS.WritableStream): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    stderr.write(prompt);
    stdin.setRawMode(true);
    let value = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            reject(new CliError('cancelled'));
            return;
          }
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.off('data', onData);
            stdin.pause();
            stderr.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
