/**
 * Ctrl-C (SIGINT) and SIGTERM as an AbortSignal for the length of one long command (redteam, sandbox):
 * the first signal asks the work to stop and keep what it gathered; the listeners are then removed, so a
 * second Ctrl-C ends the process the default way. `dispose()` must run when the command ends: tests run
 * many commands in one process, and a listener left behind would swallow a later real Ctrl-C.
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof SIGNALS)[number];

export interface Interrupt {
  signal: AbortSignal;
  /** The signal that arrived, if one did. */
  received(): StopSignal | undefined;
  dispose(): void;
}

export function listenForInterrupt(): Interrupt {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const onSignal = (name: StopSignal) => {
    received = name;
    dispose();
    controller.abort(new Error(`interrupted by ${name}`));
  };
  const dispose = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return { signal: controller.signal, received: () => received, dispose };
}
