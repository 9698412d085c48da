#!/usr/bin/env node
// The `durox` command-line entry point: hands argv to oclif, which loads the command from
// dist/commands/<topic>/<verb>.js. Commands set process.exitCode (see src/cli/exit-codes.ts);
// exiting explicitly keeps a stray handle in a user module from holding the process open.
import { execute, settings } from '@oclif/core';

// Always run the compiled dist/: with NODE_ENV=development|test oclif would otherwise transpile
// src/ on the fly where TypeScript is installed (and warn where it is not).
settings.enableAutoTranspile = false;
await execute({ dir: import.meta.url });
process.exit(process.exitCode ?? 0);
