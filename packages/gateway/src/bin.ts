#!/usr/bin/env node
/** `warmpool-gateway`: the gateway as its own command; the same options as `warmpool gateway`. */
import { runGatewayCli } from './cli.js';

process.exitCode = await runGatewayCli(process.argv.slice(2));
