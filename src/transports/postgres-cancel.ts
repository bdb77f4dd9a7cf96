/** The parts of a postgres.js query that a cancel uses; `canceller` is the driver's own. */
export interface CancellableQuery {
  cancel(): unknown;
  canceller?: ((query: never) => unknown) | null;
}

/**
 * Asks the server to cancel `query`. The driver's `cancel()` drops the promise of its cancel
 * request, so a cancel connection that is refused or reset rejects with nobody listening; its
 * canceller is called here instead, and a failure is ignored: the caller closes the session's
 * socket when no cancel is confirmed.
 */
export function cancelQuietly(query: CancellableQuery): void {
  const canceller = query.canceller;
  if (typeof canceller !== 'function') return void Promise.resolve(query.cancel()).catch(() => {});
  query.canceller = null;
  Promise.resolve(canceller(query as never)).catch(() => {});
}
