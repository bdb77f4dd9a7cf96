import { inject } from 'vitest';
import type {} from './global-setup.js'; // ProvidedContext typings

// Drizzle's tests read PG_CONNECTION_STRING (else they start Docker).
process.env.PG_CONNECTION_STRING = inject('pgConnectionString');
