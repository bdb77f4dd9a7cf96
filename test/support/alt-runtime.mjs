// A minimal alternative runtime interface client: polls the Runtime API and answers every event
// with what it was started with, to check that a container can run another runtime.
import http from 'node:http';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const call = (method, path, body) =>
  new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: `/2018-06-01/runtime${path}` }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });

for (;;) {
  const next = await call('GET', '/invocation/next');
  const id = next.headers['lambda-runtime-aws-request-id'];
  const body = JSON.stringify({ runtime: 'alternative', argv: process.argv.slice(2), handler: process.env._HANDLER, event: JSON.parse(next.text) });
  await call('POST', `/invocation/${id}/response`, body);
}
