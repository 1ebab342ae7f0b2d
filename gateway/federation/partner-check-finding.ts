/** One result of the partner self-test (partner-check.ts), shared by its parts and its report. */
export type Severity = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Stable id of the check (partner-check-report.ts says how to fix each). */
  check: string;
  severity: Severity;
  /** What was looked at: the file, the keys, the status list, sample N. */
  subject: string;
  message: string;
}
