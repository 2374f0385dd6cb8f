#!/usr/bin/env node
// The `eddy` command. The CLI is TypeScript compiled to dist/ by `npm run build` (also run by
// `npm install` through `prepare`); this shim only loads it and sets the exit code.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('eddy: ERR_CLI_NOT_BUILT: dist/bin/cli.js is missing; run `npm run build` in the eddy package\n');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
