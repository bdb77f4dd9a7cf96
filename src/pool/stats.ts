/** Cumulative counters of one pool; `stats()` adds the live sizes. */
export interface Counters {
  /** Connections opened. */
  created: number;
  /** Times an existing connection was handed out again. */
  reused: number;
  /** Connections replaced because they were found dead (validation failed or lost before use). */
  reconnects: number;
  /** Statements or transactions sent again after a failure that left them unapplied. */
  retries: number;
  /** Connect attempts that failed (over HTTP: requests the endpoint never received, too). */
  connectFailures: number;
  /** Connect attempts (HTTP: requests) repeated, after a backoff or with a fresh password. */
  connectRetries: number;
  /** Validation pings sent after idle. */
  validations: number;
  validationFailures: number;
  /** Connections closed by the pool (dead, idle, expired, drained, unwanted). */
  discarded: number;
  /** Times every idle connection was closed at once (server restart, failover). */
  drains: number;
  acquireTimeouts: number;
  /** Errors raised as OUTCOME_UNKNOWN. */
  outcomeUnknown: number;
  /** Connections still held by a handler when its invocation ended. */
  leaked: number;
  /** Connects that succeeded after the database answered that it was resuming or starting up, or after a connect timeout. */
  resumes: number;
  /** Time those connects waited, in total (ms). */
  resumeWaitMs: number;
  /** ROLLBACKs sent because a connection came back inside a transaction (or in an unknown state). */
  releaseRollbacks: number;
  /** Session resets sent on release because the session was changed (settings, temp tables, locks…). */
  sessionResets: number;
}

export function newCounters(): Counters {
  return {
    created: 0, reused: 0, reconnects: 0, retries: 0, connectFailures: 0, connectRetries: 0, validations: 0,
    validationFailures: 0, discarded: 0, drains: 0, acquireTimeouts: 0, outcomeUnknown: 0, leaked: 0, resumes: 0, resumeWaitMs: 0, releaseRollbacks: 0, sessionResets: 0,
  };
}
