#!/usr/bin/env node
// Runs the TypeScript sources directly: one code path for development, tests and production.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
const code = await runCli(process.argv);
if (code !== 0) process.exit(code);
