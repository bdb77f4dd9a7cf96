/**
 * A token provider that misbehaves now and then, as a signing service or a secrets cache can: one
 * call in ten throws, one in ten hangs past the connect timeout (ignoring the abort signal, as a
 * careless provider does), the others return the password.
 */
import { seededRandom } from '../support/fault-proxy.js';

export function flakyPassword(password: string, seed: number, hangMs: number) {
  const random = seededRandom(seed);
  return async (): Promise<string> => {
    const r = random();
    if (r < 0.1) throw new Error('the token service is unavailable');
    if (r < 0.2) await new Promise((resolve) => setTimeout(resolve, hangMs));
    return password;
  };
}
