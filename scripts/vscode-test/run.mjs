#!/usr/bin/env node
// Runs the extension's integration suite (out/test/vscode/suite/index.js) inside a real VS Code.
//
// Default launcher, offline: code-server (VS Code 1.100.3's server and web workbench, installed by
// setup.sh into a cache outside the repo) driven by Debian's Chromium through playwright-core.
// The workbench loads the extension under development, runs the suite in its Node extension host
// and reports the result through window.codeAutomationExit.
// `--launcher=electron` (or SMMU_VSCODE_LAUNCHER=electron) uses @vscode/test-electron instead,
// which downloads VS Code desktop: for machines with internet (on Linux CI it needs a display, e.g.
// `xvfb-run -a npm run test:vscode -- --launcher=electron`). Both launchers run the same suite.
//
// Usage: node scripts/vscode-test/run.mjs [options]
//   --launcher=code-server|electron   default code-server (env SMMU_VSCODE_LAUNCHER)
//   --screenshot <file.png>           save a screenshot of the workbench after the suite passes
//   --timeout <seconds>               time limit for the suite, default 180 (env SMMU_VSCODE_TIMEOUT)
//   --extension <dir>                 extension under test, default the repo root
//   --tests <file.js>                 suite module, default out/test/vscode/suite/index.js
//   --workspace <dir>                 folder to open, default test/vscode/workspace
//   --verbose                         also print the workbench's own log lines
//   --vsix <file.vsix>                install this package into the profile (code-server
//                                     --install-extension) and test it instead of the source tree;
//                                     --extension is then a stub that only hosts the suite
//   --untrusted                       open the workspace in Restricted Mode: workspace trust on, the
//                                     folder not trusted, no trust prompt (code-server only)
//   --screenshots <dir>               take the screenshots the suite asks for (a log line
//                                     `[smmu-screenshot] NAME`) into <dir>/NAME.png while it waits
// The suite gets SMMU_RESULTS_DIR (test-results/, for figures such as the activation time) and,
// with --screenshots, SMMU_SCREENSHOTS=1 and SMMU_SCREENSHOT_ACK (a folder where the launcher
// writes NAME.done once the picture is taken).
// Environment: SMMU_VSCODE_CACHE (cache root, see setup.sh), SMMU_VSCODE_KEEP_TMP=1 (keep the
// temporary user-data folder), SMMU_CHROMIUM (browser, default /usr/bin/chromium).
// On failure or timeout: test-results/vscode-failure.png, test-results/vscode-logs/ (workbench,
// extension host and output-channel logs) and test-results/vscode-code-server.log.
// Exit code: the suite's (0 all passed), 1 on any harness failure.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const resultsDir = path.join(repoRoot, 'test-results');

const { values: opts } = parseArgs({
  options: {
    launcher: { type: 'string', default: process.env.SMMU_VSCODE_LAUNCHER || 'code-server' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: process.env.SMMU_VSCODE_TIMEOUT || '180' },
    extension: { type: 'string', default: repoRoot },
    tests: { type: 'string', default: path.join(repoRoot, 'out/test/vscode/suite/index.js') },
    workspace: { type: 'string', default: path.join(repoRoot, 'test/vscode/workspace') },
    verbose: { type: 'boolean', default: false },
    vsix: { type: 'string' },
    screenshots: { type: 'string' },
    untrusted: { type: 'boolean', default: false },
  },
  strict: true,
});
const extensionPath = path.resolve(opts.extension);
const testsPath = path.resolve(opts.tests);
const workspacePath = path.resolve(opts.workspace);
const timeoutMs = Number(opts.timeout) * 1000;

// A closed pipe (`... | head`) must not stop the clean-up.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const log = (msg) => console.log(`[vscode-test] ${msg}`);
const fail = (msg) => {
  console.error(`[vscode-test] ${msg}`);
  process.exit(1);
};

function checkInputs() {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) fail(`bad --timeout: ${opts.timeout}`);
  const manifest = path.join(extensionPath, 'package.json');
  if (!fs.existsSync(manifest)) fail(`no extension manifest at ${manifest}`);
  const main = JSON.parse(fs.readFileSync(manifest, 'utf8')).main;
  if (main && !fs.existsSync(path.resolve(extensionPath, main)) && !fs.existsSync(path.resolve(extensionPath, `${main}.js`)))
    fail(`the extension is not built: ${path.resolve(extensionPath, main)} is missing (npm run build)`);
  if (!fs.existsSync(testsPath)) fail(`the suite is not compiled: ${testsPath} is missing (npx tsc -b)`);
  if (!fs.statSync(workspacePath, { throwIfNoEntry: false })?.isDirectory()) fail(`no workspace folder ${workspacePath}`);
  if (opts.vsix && !fs.existsSync(opts.vsix)) fail(`no package ${opts.vsix} (npm run package)`);
}

// ---------------------------------------------------------------------------------------------
// @vscode/test-electron: downloads VS Code desktop (needs internet).
async function runElectron() {
  const { runTests } = await import('@vscode/test-electron');
  try {
    return await runTests({
      version: process.env.SMMU_VSCODE_VERSION || undefined,
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: testsPath,
      launchArgs: [workspacePath, '--disable-extensions', ...(opts.untrusted ? [] : ['--disable-workspace-trust']), '--skip-welcome', '--skip-release-notes'],
    });
  } catch (err) {
    console.error(`[vscode-test] ${err?.message ?? err}`);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(String(err?.message ?? err)))
      console.error('[vscode-test] the electron launcher downloads VS Code; offline, use the default launcher (code-server)');
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// code-server + Chromium, offline.

function setup() {
  const r = spawnSync('bash', [path.join(here, 'setup.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) fail(`setup.sh failed (exit ${r.status ?? r.signal})`);
  const dir = r.stdout.trim().split('\n').pop();
  const entry = path.join(dir, 'node_modules/code-server/out/node/entry.js');
  if (!fs.existsSync(entry)) fail(`setup.sh reported ${dir}, but ${entry} is missing`);
  return entry;
}

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

// Starts code-server in its own process group (so its extension host and pty host go with it).
async function startCodeServer(entry, tmp, serverLog) {
  const port = await freePort();
  const userData = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'extensions'), { recursive: true });
  // User settings of the throw-away profile: nothing that is not the extension under test.
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'update.mode': 'none',
        'git.enabled': false,
        // --untrusted: trust is on and nothing is trusted, so the folder opens in Restricted Mode.
        'security.workspace.trust.enabled': opts.untrusted,
        ...(opts.untrusted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never', 'security.workspace.trust.untrustedFiles': 'open' } : {}),
        'window.restoreWindows': 'none',
      },
      null,
      2,
    ),
  );
  // The suite runs in this process's environment. Drop what belongs to an enclosing VS Code or npm
  // (VSCODE_IPC_HOOK_CLI would make code-server hand the folder to that other instance).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(VSCODE_|ELECTRON_|npm_)/i.test(k)),
  );
  env.SMMU_RESULTS_DIR = resultsDir;
  if (opts.screenshots) {
    env.SMMU_SCREENSHOTS = '1';
    env.SMMU_SCREENSHOT_ACK = path.join(tmp, 'screenshot-ack');
    fs.mkdirSync(env.SMMU_SCREENSHOT_ACK, { recursive: true });
  }
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    '--config', path.join(tmp, 'config.yaml'), // not ~/.config/code-server/config.yaml
    '--user-data-dir', userData,
    '--extensions-dir', path.join(tmp, 'extensions'),
    workspacePath,
  ];
  if (opts.vsix) {
    // As a user installs it: `code-server --install-extension file.vsix` into this profile.
    const r = spawnSync(process.execPath, [entry, '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions'), '--install-extension', path.resolve(opts.vsix)], { cwd: tmp, env, encoding: 'utf8', timeout: 60_000 });
    fs.writeFileSync(serverLog + '.install', `${r.stdout ?? ''}${r.stderr ?? ''}`);
    if (r.status !== 0) throw new Error(`code-server --install-extension ${opts.vsix} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    log(`installed ${path.relative(repoRoot, path.resolve(opts.vsix))}: ${(r.stdout.trim().split('\n').pop() ?? '').trim()}`);
  }
  const out = fs.openSync(serverLog, 'w');
  const child = spawn(process.execPath, args, { cwd: tmp, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('code-server did not start listening within 30 s')), 30_000);
    const onData = (chunk) => {
      fs.writeSync(out, chunk);
      if (buffered !== null) {
        buffered += chunk.toString();
        if (/HTTP server listening on/.test(buffered)) {
          buffered = null;
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', () => fs.closeSync(out));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code ?? signal}) before listening`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { child, port, ready, exited };
}

async function stopProcessGroup(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  kill('SIGTERM');
  const t = setTimeout(() => kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
  kill('SIGKILL'); // stragglers left in the group (extension host, pty host)
}

function copyTail(file, lines = 30) {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function runCodeServer() {
  const t0 = Date.now();
  const entry = setup();
  const tSetup = Date.now();
  const { chromium } = await import('playwright-core');

  // Failure artifacts of an earlier run would mislead.
  for (const f of ['vscode-failure.png', 'vscode-logs', 'vscode-code-server.log'])
    fs.rmSync(path.join(resultsDir, f), { recursive: true, force: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smmu-vscode-'));
  const serverLog = path.join(tmp, 'code-server.log');
  let server;
  let browser;
  let page;
  let result = 1;
  let workbenchLogs = [];
  let interrupted = false;

  const cleanup = async () => {
    await browser?.close().catch(() => {});
    if (server) await stopProcessGroup(server.child, server.exited);
  };
  const onSignal = (sig) => {
    interrupted = true;
    log(`${sig}: stopping`);
    cleanup().finally(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    server = await startCodeServer(entry, tmp, serverLog);
    await server.ready;
    const origin = `http://127.0.0.1:${server.port}`;
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p.split(path.sep).join('/')}`;

    browser = await chromium.launch({
      executablePath: process.env.SMMU_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // The Registers view's copy actions write the clipboard (navigator.clipboard in the web workbench).
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
    page = await context.newPage();

    let settle;
    const outcome = new Promise((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      const shot = /^\[smmu-screenshot\] ([\w-]+)$/.exec(text.trim());
      if (shot && opts.screenshots) void takeRequestedScreenshot(page, shot[1], tmp);
      if (opts.verbose || !isWorkbenchChatter(text)) process.stdout.write(`${text}\n`); // one stream keeps the order
    });
    await page.exposeFunction('codeAutomationExit', async (code, logs) => {
      workbenchLogs = Array.isArray(logs) ? logs : [];
      // The suite passed and the workbench is still on screen: picture for the docs.
      if (code === 0 && opts.screenshot) await screenshot(page, path.resolve(opts.screenshot));
      settle({ code: Number(code) });
    });
    page.on('crash', () => settle({ error: 'the browser page crashed' }));
    browser.on('disconnected', () => settle({ error: 'the browser went away' }));
    server.exited.then((c) => settle({ error: `code-server exited (${c}) during the run` }));
    const timer = setTimeout(() => settle({ error: `time limit of ${timeoutMs / 1000} s reached` }), timeoutMs);

    const payload = [
      ['extensionDevelopmentPath', remote(extensionPath)],
      ['extensionTestsPath', remote(testsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const url = `${origin}/?folder=${encodeURIComponent(workspacePath)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log(`VS Code ${vscodeVersion(entry)} (code-server) on ${origin}, suite ${path.relative(repoRoot, testsPath) || testsPath}`);
    const tOpen = Date.now();
    await page.goto(url, { waitUntil: 'domcontentloaded' });

    const r = await outcome;
    clearTimeout(timer);
    if (r.error) {
      log(r.error);
      result = 1;
    } else {
      result = r.code;
    }
    log(
      `${result === 0 ? 'passed' : `FAILED (exit ${result})`} — suite ${((Date.now() - tOpen) / 1000).toFixed(1)} s, ` +
        `setup check ${((tSetup - t0) / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    log(`harness error: ${err?.message ?? err}`);
    result = 1;
  } finally {
    if (result !== 0 && !interrupted) {
      fs.mkdirSync(resultsDir, { recursive: true });
      if (page) await screenshot(page, path.join(resultsDir, 'vscode-failure.png'));
      saveLogs(workbenchLogs, path.join(resultsDir, 'vscode-logs'));
      await cleanup();
      fs.copyFileSync(serverLog, path.join(resultsDir, 'vscode-code-server.log'));
      // The server side's logs: remote extension host, the extension's output channels.
      const serverLogs = path.join(tmp, 'user-data', 'logs');
      if (fs.existsSync(serverLogs)) fs.cpSync(serverLogs, path.join(resultsDir, 'vscode-logs', 'server'), { recursive: true });
      const tail = copyTail(serverLog);
      if (tail) console.log(`[vscode-test] last lines of code-server's output:\n${tail}`);
      log(`failure artifacts in ${path.relative(process.cwd(), resultsDir) || resultsDir}/`);
    } else {
      await cleanup();
    }
    if (!process.env.SMMU_VSCODE_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
  return result;
}

// The workbench forwards the extension host's console (the suite's output, console.log of the
// extension) through codeAutomationLog, each call with console-style arguments, along with its own
// log. Print all but the workbench's routine lines; --verbose prints everything.
const WORKBENCH_CHATTER = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\b.*open-vsx|open-vsx.*(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)/s, // no gallery offline
];
function isWorkbenchChatter(text) {
  return WORKBENCH_CHATTER.some((re) => re.test(text));
}

// The suite asked for a picture of what is on screen now; it waits for NAME.done.
async function takeRequestedScreenshot(page, name, tmp) {
  await new Promise((r) => setTimeout(r, 400)); // let the workbench paint what the suite just did
  await screenshot(page, path.join(path.resolve(opts.screenshots), `${name}.png`));
  fs.writeFileSync(path.join(tmp, 'screenshot-ack', `${name}.done`), '');
}

async function screenshot(page, file) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, timeout: 10_000 });
    log(`screenshot: ${path.relative(process.cwd(), file) || file}`);
  } catch (err) {
    log(`no screenshot (${err?.message ?? err})`);
  }
}

function saveLogs(logs, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { relativePath, contents } of logs) {
    const file = path.join(dir, relativePath);
    if (!file.startsWith(dir + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
}

function vscodeVersion(entry) {
  try {
    const p = path.resolve(path.dirname(entry), '../../lib/vscode/package.json');
    return JSON.parse(fs.readFileSync(p, 'utf8')).version;
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------------------------------------
checkInputs();
const launcher = opts.launcher;
if (launcher !== 'code-server' && launcher !== 'electron') fail(`unknown launcher ${launcher} (code-server or electron)`);
process.exitCode = launcher === 'electron' ? await runElectron() : await runCodeServer();
