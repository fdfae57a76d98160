/** What a command may touch of the outside world; tests pass fakes, main.ts passes the process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress lines go there only then. */
  stderrIsTTY: boolean;
  /** True when stdout is a terminal and colour is allowed (NO_COLOR unset). */
  color: boolean;
  columns: number;
  cwd: string;
}

/** Exit codes shared by every command. */
export const EXIT = { clean: 0, findings: 1, usage: 2, incomplete: 3 } as const;
