import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from './platform/config';
import { createLogger, type Logger } from './platform/logger';
import { retryLostConnections, surviveLostConnections } from './platform/jobs/lost-connections';
import { readFileSync } from 'node:fs';
import { adminCommands } from './cli/admin';
import { importCommands } from './cli/import';
import { CliError, type CliContext } from './cli/cli-common';

/**
 * The `leadmaster` command. Every subcommand reads the same environment as the server
 * (DATABASE_URL, DATA_DIR, …); with the embedded database it borrows the running server's.
 */
// Read here rather than from app.ts: `--help` should not load the whole server.
const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** The server and everything under it, loaded only by commands that need them. */
export const loadRuntime = () => import('./runtime');

export function buildCli(io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Command {
  const program = new Command('leadmaster')
    .description('LeadMaster: lead generation and messaging CRM')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('start')
    .description('Serve the web app and API, and run background work')
    .action(async () => serve({ http: true, work: true }));

  program
    .command('worker')
    .description('Run background work only (no HTTP server)')
    .action(async () => serve({ http: false, work: true }));

  program
    .command('migrate')
    .description('Apply database migrations and exit')
    .action(async () => {
      const { config, logger } = setup('warn');
      const { startRuntime } = await loadRuntime();
      const runtime = await startRuntime({ config, logger, owner: 'cli', http: false, work: false });
      await runtime.close();
      io.stdout.write('Database is up to date.\n');
    });

  const context: CliContext = { setup, io };
  program.addCommand(adminCommands(context));
  program.addCommand(importCommands(context));
  return program;
}

function setup(defaultLevel: Config['logLevel']): { config: Config; logger: Logger } {
  const config = loadConfig(process.env.LOG_LEVEL ? process.env : { ...process.env, LOG_LEVEL: defaultLevel });
  // CLI diagnostics go to stderr so stdout stays clean for output that scripts read.
  const logger = createLogger({ level: config.logLevel, destination: process.stderr as never });
  return { config, logger };
}

async function serve(options: { http: boolean; work: boolean }) {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  surviveLostConnections(logger);
  const { startRuntime } = await loadRuntime();
  // A worker started while the database cuts sessions (a failover, the reliability test) starts again rather than exits.
  const runtime = await retryLostConnections(() => startRuntime({ config, logger, owner: 'server', ...options }), { logger });
  if (runtime.http) {
    const address = await runtime.http.app.listen({ port: config.port, host: config.host });
    logger.info({ address, database: runtime.deps.database.kind }, `LeadMaster ${VERSION} is running at ${config.publicUrl ?? address}`);
  } else {
    logger.info({ database: runtime.deps.database.kind }, 'LeadMaster worker is running');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn('forced exit');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await new Promise(() => undefined);
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 78;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    // Unexpected: the stack helps whoever reports it.
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

