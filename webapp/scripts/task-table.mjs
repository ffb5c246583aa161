// Prints the task table of docs/va-workspace.md from the figures the e2e run measured
// (target/e2e/figures.json) and the built JavaScript's gzipped size. Usage, after `npm run e2e`:
//   node scripts/task-table.mjs [figures.json]
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const figures = JSON.parse(readFileSync(process.argv[2] ?? 'target/e2e/figures.json', 'utf8'));
const lines = ['| task | measured | target |', '|---|---|---|'];
for (const [task, values] of Object.entries(figures)) {
  const { target, ...rest } = values;
  const measured = Object.entries(rest)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  lines.push(`| ${task} | ${measured} | ${typeof target === 'number' ? `≤ ${target} interactions` : target ?? ''} |`);
}
const assets = 'target/classes/static/app/assets';
let total = 0;
const chunks = readdirSync(assets)
  .filter((f) => f.endsWith('.js'))
  .map((f) => {
    const size = gzipSync(readFileSync(join(assets, f))).length;
    total += size;
    return `${f.replace(/-[\w-]{8}\.js$/, '.js')} ${Math.round(size / 1024)} KB`;
  });
lines.push(`| JavaScript, gzipped | ${Math.round(total / 1024)} KB in all (${chunks.join(', ')}) | < 400 KB |`);
console.log(lines.join('\n'));
