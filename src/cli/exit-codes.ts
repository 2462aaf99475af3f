// Every exit code of code-worker, the one table the README's command-line section shows.
export const exitCodes = {
  /** The command did what was asked; a followed job ended done and was not rejected. */
  ok: 0,
  /** A followed job ended failed, cancelled, timed out or lost; policy check or doctor found problems; an internal error. */
  failed: 1,
  /** The command line or a value was wrong, or the configuration: nothing was done. */
  usage: 2,
  /** wait stopped following (its --timeout, or Ctrl-C) while the job carries on. */
  stillRunning: 3,
  /** A followed job ended done, but its policy rejected the change. */
  rejected: 4,
} as const;
