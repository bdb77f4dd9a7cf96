/**
 * A token provider that misbehaves now and then, as a signing service or a secrets cache can: one
 * call in ten throws, one in ten hangs past the connect timeout (ignoring the abort signal, as a
 * careless provider does), the others return the password.
 */
import { seededRandom } from '../support/fault-proxy.js';

/** `onCall` hears of every call, as it begins. */
export function flakyPassword(password: string, seed: number, hangMs: number, onCall: (what: 'threw' | 'hung' | 'answered') => void) {
  const random = seededRandom(seed);
  return async (): Promise<string> => {
    const r = random();
    const what = r < 0.1 ? 'threw' : r < 0.2 ? 'hung' : 'answered';
    onCall(what);
    if (what === 'threw') throw new Error('the token service is unavailable');
    if (what === 'hung') await new Promise((resolve) => setTimeout(resolve, hangMs));
    return password;
  };
}
