/**
 * What an invocation reads of its session before doing anything: the state other invocations'
 * statements can leave there. On a session warmpool hands out every value is at its default, so
 * anything else was left by an earlier invocation on the same container.
 */

/**
 * One statement, which changes nothing in the session (warmpool sees it as clean). The settings of
 * the running transaction (`transaction_read_only`…) are left out: a lone read after an idle spell
 * runs as `begin read only; <read>; commit`, and pg_settings lists them with source 'session'. What
 * a session keeps for its next transactions shows as `default_transaction_*`.
 */
export const PROBE_SQL = `select current_setting('app.tenant', true) as tenant,
  (select coalesce(array_agg(name || '=' || setting order by name), '{}') from pg_settings where source = 'session' and name not like 'transaction\_%') as settings,
  (select coalesce(array_agg(c::text), '{}') from pg_listening_channels() c) as channels,
  (select count(*)::int from pg_locks where pid = pg_backend_pid() and locktype = 'advisory') as locks,
  (select count(*)::int from pg_class where relnamespace = pg_my_temp_schema()) as temps`;

export interface Probe {
  /** `app.tenant`: null when never set in the session, '' once reset. */
  tenant: string | null;
  /** Settings changed in the session (SET, set_config(…, false)), as `name=value`. */
  settings: string[];
  channels: string[];
  /** Advisory locks the session holds. */
  locks: number;
  /** Temporary tables (and their indexes, sequences) of the session. */
  temps: number;
}

/** A probe as one container reports it (a line of its state file). */
export interface ProbeReport {
  opId: string;
  /** The container's invocation before this one (`op opId`), which may have left the state. */
  after: string;
  seen: Probe;
}

/** What the probe found not at its default, one phrase each; empty for a clean session. */
export function leftovers(p: Probe): string[] {
  const found: string[] = [];
  if (p.tenant) found.push(`app.tenant=${p.tenant}`);
  for (const s of p.settings) found.push(s);
  for (const c of p.channels) found.push(`listening on ${c}`);
  if (p.locks > 0) found.push(`${p.locks} advisory lock(s)`);
  if (p.temps > 0) found.push(`${p.temps} temporary relation(s)`);
  return found;
}
