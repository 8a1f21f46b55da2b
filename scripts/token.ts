/**
 * Prints a signed development token for the configured HS256 secret (JWT_SECRET, or the development secret when
 * NODE_ENV is not production). The token is the last line of the output.
 *
 *   npm run token -- --kommunekode 370 [--admin] [--scope "a b"] [--expires-in 8h] [--subject name]
 */
import { signToken } from '../src/auth/dev-token';
import { loadConfigOrExit } from '../src/config';
import { parseCommandLine } from './command-line';
import { isKommunekode } from '../src/municipal/municipality';

const USAGE = 'usage: npm run token -- [--kommunekode 370] [--admin] [--scope "scope ..."] [--expires-in 8h] [--subject name]';

async function main(): Promise<void> {
  const args = parseCommandLine({
    options: {
      kommunekode: { type: 'string' },
      admin: { type: 'boolean', default: false },
      scope: { type: 'string' },
      'expires-in': { type: 'string', default: '8h' },
      subject: { type: 'string' },
    },
  }, USAGE).values;
  const kommunekode = args.kommunekode;
  if (kommunekode !== undefined && !isKommunekode(kommunekode)) {
    console.error(`--kommunekode must be a three-digit municipality code, not '${kommunekode}'`);
    process.exit(2);
  }
  if (kommunekode === undefined && !args.admin) {
    console.error(`Give --kommunekode (a municipality's token) or --admin (writes the common catalogs)\n${USAGE}`);
    process.exit(2);
  }
  if (!/^\d+[smhd]$/.test(args['expires-in']!)) {
    console.error(`--expires-in must look like 30m, 8h or 7d, not '${args['expires-in']}'`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  if (config.auth.kind !== 'secret') {
    console.error('This tool signs with a shared secret; the server is configured for ' +
      (config.auth.kind === 'none' ? 'no key at all (set JWT_SECRET)' : `${config.auth.kind} (tokens come from your identity provider)`));
    process.exit(2);
  }
  const scopes = [...(args.scope ?? '').split(/\s+/).filter(Boolean), ...(args.admin ? ['admin'] : [])];
  const token = await signToken(config.auth, { kommunekode, scopes, expiresIn: args['expires-in'], subject: args.subject });
  if (config.auth.development) console.error('note: signed with the development secret (NODE_ENV is not production and JWT_SECRET is not set)');
  console.error(`token for ${kommunekode ? `kommunekode ${kommunekode}` : 'no municipality'}${scopes.length ? `, scope "${scopes.join(' ')}"` : ''}, expires in ${args['expires-in']}:`);
  console.log(token);
}

void main();
