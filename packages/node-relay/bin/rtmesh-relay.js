#!/usr/bin/env node
// The rtmesh-relay command (built JavaScript: run `pnpm run build` in a checkout).
import { main } from '../dist/cli/cli.js'

process.exitCode = await main(process.argv.slice(2), process.env)
process.exit()
