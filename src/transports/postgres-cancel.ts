/** The parts of a postgres.js query that a cancel uses; `canceller` is the driver's own. */
export interface CancellableQuery {
  cancel(): unknown;
  canceller?: ((query: never) => unknown) | null;
}

/**
 * Asks the server to cancel `query`. The driver's `cancel()` drops the promise of its cancel
 * request, so a cancel connection that is refused or reset rejects with nobody listening; its
 * canceller is called here instead, and a failure is ignored: the caller closes the session's
 * socket when no cancel is confirmed. The returned promise settles (never rejects) once the cancel
 * request is done or has failed.
 */
export function cancelQuietly(query: CancellableQuery): Promise<void> {
  const canceller = query.canceller;
  if (typeof canceller !== 'function') return Promise.resolve(query.cancel()).then(() => {}, () => {});
  query.canceller = null;
  return Promise.resolve(canceller(query as never)).then(() => {}, () => {});
}
