// A young container for bench/instructions.ts: loads a handler bundle and, unless told to stop
// after the import, runs invocations (a read and a write each, as bench/cold-process.ts).
//   node young-container.cjs <bundle> import|first|<invocations>
const [bundle, stage] = process.argv.slice(2);
const { handler } = require(bundle);
if (stage === 'import') process.exit(0);
const count = stage === 'first' ? 1 : Number(stage);
// A minute: under valgrind, on shared cores, a first connect (SCRAM) can take several seconds.
const context = { getRemainingTimeInMillis: () => 60_000, callbackWaitsForEmptyEventLoop: true };

async function main() {
  for (let i = 0; i < count; i++) {
    const event = { body: JSON.stringify({ writeId: `instructions:${process.pid}:${Date.now()}:${i}`, itemId: 1 + (i % 100) }) };
    const res = await handler(event, context);
    if (res.statusCode !== 200) throw new Error(`invocation ${i} answered ${res.statusCode}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
