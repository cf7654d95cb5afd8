#!/usr/bin/env node
// `npm start`: builds the server only when a source or build setting changed since the last
// build (a stamp in dist/ records what was built), then the web dashboard when its sources
// changed (scripts/dashboard-build.js), then runs the server. A second start with nothing
// changed skips both builds. `npm start -- --rebuild` forces them. A failed dashboard build
// does not stop the server: the API works without it, and `/` says the dashboard is not built.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { buildDashboard } = require('./dashboard-build');

const root = join(__dirname, '..');
const stampPath = join(root, 'dist', '.build-stamp');
const entry = join(root, 'dist', 'src', 'main.js');
const SOURCE_DIRS = ['src', 'libs', 'apps'];
const SETTINGS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

function* sourceFiles(dir) {
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) {
      // The dashboard has its own build (and stamp) below.
      if (item.name !== 'node_modules' && path !== join(root, 'apps', 'dashboard')) {
        yield* sourceFiles(path);
      }
    } else if (item.name.endsWith('.ts') || item.name.endsWith('.json')) {
      yield path;
    }
  }
}

/** Names, sizes and modification times of everything the build reads: cheap, no file contents. */
function sourceFingerprint() {
  const hash = createHash('sha256');
  const files = [
    ...SETTINGS.map((name) => join(root, name)).filter((path) => existsSync(path)),
    ...SOURCE_DIRS.flatMap((dir) => [...sourceFiles(join(root, dir))]),
  ];
  for (const path of files.sort()) {
    const { size, mtimeMs } = statSync(path);
    hash.update(`${relative(root, path)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const fingerprint = sourceFingerprint();
const built =
  existsSync(entry) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === fingerprint;
if (!built || process.argv.includes('--rebuild')) {
  process.stdout.write('Building Change Relay (nest build)...\n');
  const started = Date.now();
  const nest = join(root, 'node_modules', '.bin', 'nest');
  const result = spawnSync(nest, ['build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stampPath, fingerprint);
  process.stdout.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

try {
  buildDashboard({ force: process.argv.includes('--rebuild') });
} catch (error) {
  process.stderr.write(`${error.message}: the server starts without the web dashboard\n`);
}

const server = spawn(process.execPath, ['--enable-source-maps', entry], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl+C reaches the server from the terminal itself (same process group): passing it on too
// would be a second SIGINT, which cuts the server's graceful shutdown short.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => server.kill('SIGTERM'));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
