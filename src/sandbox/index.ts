/** `parapet sandbox` as a library: run a command or a ready-made loader in bubblewrap, observed by strace. */
export { bwrapArgv, limitArgv, type MountPlan, straceArgv } from './bwrap-args.ts';
export { type ScrubbedEnv, scrubEnv } from './env.ts';
export * from './findings.ts';
export { type JudgeContext, judge } from './judge.ts';
export {
  isLoaderName,
  LOADER_MISSING_EXIT,
  LOADERS,
  type LoaderName,
  loaderCommand,
  loaderSource,
} from './loaders.ts';
export { isLoopback, type Observation, observe, parseSockaddr, TRACED_SYSCALLS } from './observations.ts';
export { HIDDEN_DIRS, MASKED_FILES, planMounts } from './plan.ts';
export { checkSandbox, namespaceSettings, SandboxUnavailableError, type Tools } from './preflight.ts';
export { runSandboxed, type SandboxOptions, type SandboxResult, sandboxScanResult } from './run.ts';
export { secretKind } from './sensitive-paths.ts';
export { type ParsedLog, parseStraceLog, type TraceEvent } from './strace-log.ts';
