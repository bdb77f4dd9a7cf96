/**
 * Why a statement on an upstream connection ended without the server's own answer. Each maps to
 * one HTTP answer in the `/sql` handler.
 */

export type StopReason = 'client-gone' | 'timeout' | 'too-large';

/** Thrown by `run` when the gateway stopped the statement itself. */
export class StatementStopped extends Error {
  readonly reason: StopReason;
  constructor(reason: StopReason) {
    super(`statement stopped: ${reason}`);
    this.name = 'StatementStopped';
    this.reason = reason;
  }
}

export class CopyNotSupported extends Error {
  constructor() {
    super('COPY is not supported over HTTP: use the WebSocket mode (Pool, Client) for COPY');
    this.name = 'CopyNotSupported';
  }
}

/** The upstream connection closed, or a statement the gateway sends itself got no answer in time. */
export class UpstreamLost extends Error {
  constructor(message = 'the connection to the upstream database was lost') {
    super(message);
    this.name = 'UpstreamLost';
  }
}

/**
 * A batch lost before its COMMIT was sent: the server rolls back a transaction whose connection
 * ends, so nothing of it was applied and it may be sent again.
 */
export class BatchNotApplied extends Error {
  constructor(cause: unknown) {
    super('the connection to the upstream database was lost before COMMIT: the transaction was rolled back and nothing was applied; send the batch again', { cause });
    this.name = 'BatchNotApplied';
  }
}
