// ctest openapi_lint: the pinned @redocly/cli lints docs/openapi.yaml with
// tests/contract/redocly.yaml; any problem fails, and so does a missing
// node_modules (this test never skips).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, 'node_modules/@redocly/cli/bin/cli.js');
if (!existsSync(cli)) {
  console.error(`openapi_lint: ${cli} is missing; run scripts/deps.sh (npm ci in tests/contract)`);
  process.exit(1);
}
const result = spawnSync(process.execPath,
  [cli, 'lint', '--config', resolve(here, 'redocly.yaml'), resolve(here, '../../docs/openapi.yaml')], {
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true', CI: 'true' },
  });
if (result.error) {
  console.error(`openapi_lint: cannot run redocly: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
