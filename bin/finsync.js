#!/usr/bin/env node
// `npx finsync …`: runs the TypeScript CLI through tsx's loader (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli.ts');
process.exitCode = await cliMain(process.argv.slice(2));
