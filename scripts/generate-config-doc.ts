/** Writes docs/configuration.md from the settings schemas (npm run docs:config). */
import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc } from '../packages/server/src/config/config-doc.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
process.stdout.write('wrote docs/configuration.md\n');
