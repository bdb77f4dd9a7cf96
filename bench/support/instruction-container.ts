// One strategy's container for bench/instructions.ts, run under valgrind: it makes the module
// scope, runs `count` invocations one after another (each from a fresh turn of the event loop,
// as the runtime client's /next answer starts one) and exits.
//
//   valgrind --tool=cachegrind node <bundle>.cjs <strategy> <database url> <count>
import { LAYERS, REFERENCES, STRATEGIES, fakeContext } from './strategies.js';

const [name, url, countText] = process.argv.slice(2);
const ALL = [...STRATEGIES, ...REFERENCES, ...LAYERS];
const factory = ALL.find((s) => s.name === name);
const count = Number(countText);
if (!factory || !url || !(count > 0)) throw new Error(`usage: instruction-container.ts <${ALL.map((s) => s.name).join('|')}> <database url> <count>`);
const strategy = factory.setup(url);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function main() {
  for (let i = 0; i < count; i++) {
    await nextTurn();
    await strategy.handler({}, fakeContext());
  }
  await strategy.teardown();
}

// A CommonJS bundle has no top-level await.
main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
