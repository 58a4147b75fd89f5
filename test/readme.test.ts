// The README is the front door: it must name every flag of every command and every catalog action.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { formatAction } from '../src/core/action.ts';
import { BUILTIN_CATALOG } from '../src/core/catalog.ts';
import { COMMANDS } from '../src/cli/commands.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('every flag of every command is documented', async (t) => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    for (const flag of Object.keys(command.flags)) t.match(readme, `--${flag}`, `${name} --${flag}`);
  }
});

t.test('every built-in catalog entry is in the catalog table', async (t) => {
  for (const e of BUILTIN_CATALOG) {
    t.match(readme, `\`${formatAction(e.action)}\``, e.names.join(','));
    for (const n of e.names) t.match(readme, `\`${n}\``);
  }
});
