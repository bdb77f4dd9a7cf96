import { DriverAdapterError, type Error as AdapterError } from '@prisma/driver-adapter-utils';
import { DatabaseError, WarmpoolError } from '../../errors.js';

/**
 * Server errors become Prisma's driver-adapter errors, mapped as `@prisma/adapter-pg` maps pg's,
 * so the client raises P2002 (unique), P2003 (foreign key) and the rest. Every other error (a
 * lost connection, OUTCOME_UNKNOWN, a deadline) stays the WarmpoolError it is. Prisma rethrows an
 * error that has a `code` as a PrismaClientKnownRequestError with that code and the error's
 * `meta`, so `meta` carries `notApplied` (and the SQLSTATE behind the error, if any).
 */
export function adapterError(err: unknown): unknown {
  if (err instanceof DatabaseError) {
    return new DriverAdapterError({ originalCode: err.code, originalMessage: err.message, ...mapServerError(err) });
  }
  if (err instanceof WarmpoolError && !('meta' in err)) {
    const meta = err.sqlState === undefined ? { notApplied: err.notApplied } : { notApplied: err.notApplied, sqlState: err.sqlState };
    Object.defineProperty(err, 'meta', { value: meta, enumerable: false, configurable: true });
  }
  return err;
}

type Constraint = { fields: string[] } | { index: string } | undefined;

function keyFields(err: DatabaseError): string[] | undefined {
  return err.detail?.match(/Key \(([^)]+)\)/)?.at(1)?.split(', ');
}

function fieldOrIndex(err: DatabaseError): Constraint {
  if (err.column) return { fields: [err.column] };
  if (err.constraint) return { index: err.constraint };
  return undefined;
}

/** Quoted name n in a message such as 'relation "users" does not exist'. */
function quoted(message: string, separator: string, n: number): string | undefined {
  return message.split(separator).at(n)?.split('"').at(1);
}

function mapServerError(err: DatabaseError): AdapterError {
  switch (err.code) {
    case '22001':
      return { kind: 'LengthMismatch', column: err.column };
    case '22003':
      return { kind: 'ValueOutOfRange', cause: err.message };
    case '22P02':
      return { kind: 'InvalidInputValue', message: err.message };
    case '23505': {
      const fields = keyFields(err);
      const constraint: Constraint = err.constraint ? { index: err.constraint } : fields ? { fields } : undefined;
      let table = err.table;
      if (table === undefined && fields !== undefined && fields.length > 0) {
        const suffix = `_${fields.join('_')}_key`;
        if (err.constraint?.endsWith(suffix)) table = err.constraint.slice(0, -suffix.length);
      }
      return { kind: 'UniqueConstraintViolation', constraint, table };
    }
    case '23502': {
      const fields = keyFields(err);
      return { kind: 'NullConstraintViolation', constraint: fields ? { fields } : undefined };
    }
    case '23503':
      return { kind: 'ForeignKeyConstraintViolation', constraint: fieldOrIndex(err) };
    case '23001':
      return { kind: 'RestrictViolation', constraint: fieldOrIndex(err) };
    case '3D000':
      return { kind: 'DatabaseDoesNotExist', db: quoted(err.message, ' ', 1) };
    case '28000':
      return { kind: 'DatabaseAccessDenied', db: err.message.split(',').find((s) => s.startsWith(' database'))?.split('"').at(1) };
    case '28P01':
      return { kind: 'AuthenticationFailed', user: quoted(err.message, ' ', -1) };
    case '40001':
    case '40P01':
      return { kind: 'TransactionWriteConflict' };
    case '42P01':
      return { kind: 'TableDoesNotExist', table: quoted(err.message, ' ', 1) };
    case '42703': {
      const raw = err.message.match(/^column (.+) does not exist$/)?.at(1);
      return { kind: 'ColumnNotFound', column: raw?.replace(/"((?:""|[^"])*)"/g, (_m, id: string) => id.replaceAll('""', '"')) };
    }
    case '42P04':
      return { kind: 'DatabaseAlreadyExists', db: quoted(err.message, ' ', 1) };
    case '53300':
      return { kind: 'TooManyConnections', cause: err.message };
    default:
      return { kind: 'postgres', code: err.code, severity: err.severity ?? 'N/A', message: err.message, detail: err.detail, column: err.column, hint: err.hint };
  }
}
