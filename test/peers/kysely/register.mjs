// Loaded with `node --import` after tsx: Kysely's suite imports the library by relative path
// (`../../../dist/index.js`) and the other dialects' drivers at module scope; hooks.mjs points both
// elsewhere, so the vendored files stay as upstream wrote them.
import { register } from 'node:module';

// The suite's own release of Kysely (package.json: `kysely-0.29.5`), its dist/ folder.
const library = new URL('.', import.meta.resolve('kysely-0.29.5')).href;
register('./hooks.mjs', import.meta.url, { data: { library } });
