// The README is the front door: it must name every flag of every command and every catalog action.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { formatAction } from '../src/core/action.ts';
import { BUILTIN_CATALOG } from '../src/core/catalog.ts';
import { COMMANDS } from '../src/cli/commands.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Each flag as a whole word: `--namespace` is not found inside `--namespaces`. */
const names = (flag: string): RegExp => new RegExp(`(^|[^\\w-])--${flag.replace(/[-]/g, '\\-')}(?![\\w-])`, 'm');

t.test('every flag of every command is documented, as a whole word', async (t) => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    for (const flag of Object.keys(command.flags)) t.match(readme, names(flag), `${name} --${flag}`);
  }
});

t.test('a flag inside a longer one does not count', async (t) => {
  t.notMatch('use --namespaces to scope it', names('namespace'));
  t.match('use --namespace, or -n', names('namespace'));
});

t.test('every built-in catalog entry is in the catalog table', async (t) => {
  for (const e of BUILTIN_CATALOG) {
    t.match(readme, `\`${formatAction(e.action)}\``, e.names.join(','));
    for (const n of e.names) t.match(readme, `\`${n}\``);
  }
});
