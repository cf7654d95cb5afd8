#!/usr/bin/env node
// Builds the web dashboard (apps/dashboard, Vite) into dist/dashboard when one of its sources
// changed since the last build (a stamp in dist/dashboard records what was built). Used by
// `npm start` and by the browser tests; `node scripts/dashboard-build.js` runs it alone.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const appDir = join(root, 'apps', 'dashboard');
const outDir = join(root, 'dist', 'dashboard');
const stampPath = join(outDir, '.build-stamp');

function* files(dir) {
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) {
      if (item.name !== 'node_modules') yield* files(path);
    } else {
      yield path;
    }
  }
}

/** Names, sizes and modification times of the app's files and the lock file. */
function fingerprint() {
  const hash = createHash('sha256');
  for (const path of [join(root, 'package-lock.json'), ...files(appDir)].sort()) {
    const { size, mtimeMs } = statSync(path);
    hash.update(`${relative(root, path)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Builds when stale (or when `force`); returns whether it built. Throws when the build fails. */
function buildDashboard({ force = false, log = (line) => process.stdout.write(line) } = {}) {
  const current = fingerprint();
  const built =
    existsSync(join(outDir, 'index.html')) &&
    existsSync(stampPath) &&
    readFileSync(stampPath, 'utf8') === current;
  if (built && !force) return false;
  log('Building the web dashboard (vite build)...\n');
  const started = Date.now();
  const vite = join(root, 'node_modules', '.bin', 'vite');
  const result = spawnSync(vite, ['build', '--config', join(appDir, 'vite.config.mts')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(`the dashboard build failed (exit ${result.status ?? result.signal})`);
  }
  writeFileSync(stampPath, current);
  log(`Dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

module.exports = { buildDashboard, dashboardDir: outDir };

if (require.main === module) {
  try {
    buildDashboard({ force: process.argv.includes('--force') });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
