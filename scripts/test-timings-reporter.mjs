// A node:test reporter that writes one JSON line per finished test or suite (name, file, how
// long, nesting), so scripts/run-tests.mjs can print the slowest tests and files of a run.
export default async function* timings(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, nesting, details } = event.data;
    yield `${JSON.stringify({ name, file, nesting, ms: details.duration_ms, suite: details.type === 'suite', failed: event.type === 'test:fail' })}\n`;
  }
}
