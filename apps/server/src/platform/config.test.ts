import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('configuration', () => {
  it('has defaults that start the product with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, logLevel: 'info', heapGrowthPercent: 50 });
    expect(config.dataDir).toMatch(/data$/);
  });

  it('names every bad variable at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://localhost/x', LOG_LEVEL: 'loud', PUBLIC_URL: 'not a url', SECRET_KEY: 'short', HEAP_GROWTH_PERCENT: '-5' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const named = error!.problems.map((p) => p.split(':')[0]);
    expect(named.sort()).toEqual(['DATABASE_URL', 'HEAP_GROWTH_PERCENT', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'SECRET_KEY']);
    expect(error!.message).toContain('PORT');
  });

  it('treats empty variables as unset and trims a trailing slash from PUBLIC_URL', () => {
    const config = loadConfig({ PORT: '', PUBLIC_URL: 'https://crm.example.test/' });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('https://crm.example.test');
  });
});
