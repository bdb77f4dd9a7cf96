// A young container for bench/instructions.ts: loads a handler bundle and, unless told to stop
// after the import, runs its first invocation (a read and a write, as bench/cold-process.ts).
//   node young-container.cjs <bundle> import|first
const [bundle, stage] = process.argv.slice(2);
const { handler } = require(bundle);
if (stage === 'import') process.exit(0);
const event = { body: JSON.stringify({ writeId: `instructions:${process.pid}:${Date.now()}`, itemId: 1 }) };
handler(event, { getRemainingTimeInMillis: () => 6000, callbackWaitsForEmptyEventLoop: true }).then(
  (res) => process.exit(res.statusCode === 200 ? 0 : 1),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
