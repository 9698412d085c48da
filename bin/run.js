#!/usr/bin/env node
// The `durox` command-line entry point: hands argv to oclif, which loads the command from
// dist/commands/<topic>/<verb>.js. Commands set process.exitCode (see src/cli/exit-codes.ts);
// exiting explicitly keeps a stray handle in a user module from holding the process open.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
process.exit(process.exitCode ?? 0);
