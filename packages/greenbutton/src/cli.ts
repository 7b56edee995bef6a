#!/usr/bin/env node
import { enableCompileCache } from "node:module"

// Node's on-disk compile cache (what npm and tsc do for their bins): from the second run on, start-up skips
// compiling — and, from source, stripping types — which is a fifth of `summarize` on a 10-year feed. The cache lives
// in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
enableCompileCache?.()
await import("./cliMain.ts")
