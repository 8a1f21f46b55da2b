/**
 * Builds the web page (web/) into dist/web: one JavaScript bundle and one stylesheet (esbuild), and index.html.
 * Run by `npm run build`; the server serves dist/web at /app (src/http/routes/web-app.ts).
 *
 *   node dist/scripts/build-web.js [OUTDIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../src/config';


export const WEB_SOURCE_DIR = path.join(projectRoot(), 'web');
export const DEFAULT_WEB_DIR = path.join(projectRoot(), 'dist', 'web');

/** Bundles web/src/main.tsx (Preact, TSX) and copies index.html into `outdir`. */
export async function buildWeb(outdir: string = DEFAULT_WEB_DIR): Promise<void> {
  fs.mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [path.join(WEB_SOURCE_DIR, 'src', 'main.tsx')],
    outdir,
    entryNames: 'main',
    bundle: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
    tsconfig: path.join(WEB_SOURCE_DIR, 'tsconfig.json'),
  });
  fs.copyFileSync(path.join(WEB_SOURCE_DIR, 'index.html'), path.join(outdir, 'index.html'));
}

if (require.main === module) {
  const outdir = path.resolve(process.argv[2] ?? DEFAULT_WEB_DIR);
  buildWeb(outdir).then(
    () => console.log(`web page built into ${path.relative(process.cwd(), outdir) || '.'}`),
    (e: unknown) => {
      console.error(`web build failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
