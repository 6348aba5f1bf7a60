// Real-browser test: a golab notebook run in JupyterLab 4 the way a learner
// runs it, in headless Chromium.
//
// It builds the golab binary, installs its kernelspec into a temporary prefix,
// starts JupyterLab on a free loopback port (token auth on) over a temporary
// copy of the notebook, opens the notebook in Debian's Chromium driven by
// playwright-core (no browser download), waits for the kernel to be idle, runs
// all cells from the Run menu, and asserts from the page:
//
//   - every code cell ran and the kernel is idle again;
//   - no cell shows an error output;
//   - a rendered HTML table has a GOMAXPROCS column;
//   - a timeline SVG is visible;
//   - editing a number in a cell with the keyboard and rerunning it with
//     Shift+Enter shows the new result.
//
// "Error output" includes text on stderr: JupyterLab renders both alike and
// a lesson writes nothing there. Screenshots go to OUT_DIR: lab.png at the
// end, timeline.png, and failure-N.png for each failed check; with the
// server's log (server.log) and, when DUMP=1, the page's DOM (page.html).
// The server, its kernel and the browser are always shut down, also on
// failure or when the run is interrupted.
//
// Run it with `node --test kernel/browsertest/` after `npm ci` in this folder.
// Environment (all optional):
//
//   JUPYTER    the jupyter command (default: the project's .venv, else jupyter on PATH)
//   GOLAB_BIN  a built golab binary (default: go build from the repository root)
//   NOTEBOOK   the notebook to run (default: DEFAULT_NOTEBOOK below)
//   EDIT       JSON {"cell", "find", "replace", "expect"}: the cell whose source
//              contains "cell", where the text "find" is replaced by typing
//              "replace", after which the cell's output must match the regular
//              expression "expect" (default: EDITS below for known notebooks)
//   CHROMIUM   the browser (default /usr/bin/chromium)
//   OUT_DIR    where the screenshot and logs go (default kernel/browsertest/out)
//   KEEP_TMP   set to 1 to keep the temporary directory for inspection

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync, createWriteStream, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

// The lesson with both a timing table and a timeline.
const DEFAULT_NOTEBOOK = path.join(repo, 'notebooks', '05-seeing-the-scheduler.ipynb');

// EDITS gives, per notebook file name, the edit the test makes: in the cell
// containing "cell", the characters of "find" that differ from "replace" are
// selected and retyped.
const EDITS = {
  '05-seeing-the-scheduler.ipynb': {
    cell: 'Repeat: 3', find: 'Repeat: 3', replace: 'Repeat: 4', expect: 'median of 4 runs',
  },
};

// Time limits, in milliseconds. The whole test stays under about 3 minutes.
const LIMIT = {
  whole: 180_000,
  build: 60_000, // go build, when GOLAB_BIN is not given
  server: 30_000, // JupyterLab answering /api
  page: 30_000, // notebook open and kernel idle
  runAll: 60_000, // every cell executed (about 5 s for lesson 05)
  rerun: 20_000, // the edited cell executed
  shutdown: 10_000,
};

const run = promisify(execFile);

function jupyterCommand() {
  if (process.env.JUPYTER) return process.env.JUPYTER;
  const venv = path.join(repo, '.venv', 'bin', 'jupyter');
  return existsSync(venv) ? venv : 'jupyter';
}

// freePort asks the kernel for a free port on the loopback interface.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// waitFor polls check until it returns a truthy value or the time is up.
async function waitFor(what, ms, check) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(250);
  }
}

// killKernels ends kernels that outlived their server: jupyter_client starts
// each kernel in a session of its own, with its connection file in the
// server's runtime directory, which is how they are found here (Linux /proc).
// It is synchronous so that it can run in an 'exit' handler.
function killKernels(runtimeDir) {
  const marker = runtimeDir + path.sep;
  let pids = [];
  try { pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)); } catch { return; }
  for (const pid of pids) {
    let cmd = '';
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (cmd.includes(marker)) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

// Lab starts JupyterLab and tears it down again.
class Lab {
  constructor(tmp) {
    this.tmp = tmp;
    this.token = randomBytes(24).toString('hex');
    this.logPath = path.join(tmp, 'server.log');
  }

  async start({ jupyter, root, port, env }) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    const log = createWriteStream(this.logPath);
    const args = [
      'lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`,
      '--ServerApp.port_retries=0', `--ServerApp.token=${this.token}`,
      '--allow-root', `--ServerApp.root_dir=${root}`,
    ];
    // Its own process group, so that stop can end it with its kernels.
    this.proc = spawn(jupyter, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Should this process be ended early (Ctrl-C, the runner's timeout),
    // the server must not outlive it.
    const pid = this.proc.pid;
    const runtimeDir = env.JUPYTER_RUNTIME_DIR;
    const killGroup = () => {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      killKernels(runtimeDir);
    };
    const onSignal = (sig) => {
      killGroup();
      if (!process.env.KEEP_TMP) rmSync(this.tmp, { recursive: true, force: true });
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.once('exit', killGroup);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, onSignal);
    this.runtimeDir = runtimeDir;
    this.forget = () => {
      process.off('exit', killGroup);
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(sig, onSignal);
    };
    this.proc.stdout.pipe(log);
    this.proc.stderr.pipe(log);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
      this.proc.on('error', (err) => resolve({ code: -1, signal: null, err }));
    });
    let gone = null;
    this.exited.then((e) => { gone = e; });
    await waitFor('JupyterLab to answer /api', LIMIT.server, async () => {
      if (gone) {
        throw new Error(`jupyter exited (${gone.err?.message ?? `code ${gone.code}, signal ${gone.signal}`}); see ${this.logPath}`);
      }
      const res = await fetch(`${this.base}/api`, { headers: { Authorization: `token ${this.token}` } });
      return res.ok;
    }).catch(async (err) => {
      throw new Error(`${err.message}\n--- server log ---\n${await this.logTail()}`);
    });
  }

  async logTail(n = 40) {
    const text = await fs.readFile(this.logPath, 'utf8').catch(() => '');
    return text.split('\n').slice(-n).join('\n');
  }

  // stop asks the server to shut down (it stops its kernels), then signals
  // the whole process group and, as a last resort, kills it.
  async stop() {
    await this.stopGroup();
    this.forget?.();
    if (this.runtimeDir) killKernels(this.runtimeDir);
  }

  async stopGroup() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const pid = this.proc.pid;
    const exited = (ms) => Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
    try {
      await fetch(`${this.base}/api/shutdown`, {
        method: 'POST',
        headers: { Authorization: `token ${this.token}` },
        signal: AbortSignal.timeout(3000),
      });
    } catch {
      // fall through to the signals
    }
    if (await exited(LIMIT.shutdown / 2)) return;
    try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
    if (await exited(LIMIT.shutdown / 2)) return;
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    await exited(2000);
  }
}

// Selectors of JupyterLab 4's DOM (checked against JupyterLab 4.6).
const PANEL = '.jp-NotebookPanel:not(.lm-mod-hidden)';
const SEL = {
  cell: `${PANEL} .jp-Notebook .jp-Cell`,
  codeCell: `${PANEL} .jp-Notebook .jp-CodeCell`,
  prompt: '.jp-InputArea-prompt',
  editor: '.jp-InputArea-editor .cm-content',
  // The status bar's kernel item reads "Go (golab) | Idle"; the toolbar's
  // execution indicator alone says "idle" before a kernel is connected.
  kernelItem: '#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel"]',
  indicator: `${PANEL} .jp-Notebook-ExecutionIndicator`,
  // JupyterLab renders an error output and text on stderr alike, with this
  // MIME type: a lesson prints nothing on stderr, so both count as errors.
  errorOutput: '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
  htmlTable: '.jp-OutputArea-output.jp-RenderedHTMLCommon table',
  // image/svg+xml renders as an <img> in .jp-RenderedSVG; an SVG inside an
  // HTML output renders inline.
  svg: '.jp-OutputArea-output[data-mime-type="image/svg+xml"] img, .jp-OutputArea-output.jp-RenderedHTMLCommon svg',
  dialog: '.jp-Dialog',
};

// kernel reads the status bar's kernel item: its name and status.
async function kernel(page) {
  const text = await page.locator(SEL.kernelItem).first().innerText({ timeout: 1000 });
  const [name, status = ''] = text.split('|').map((s) => s.trim());
  return { name, status };
}

// idle says whether the kernel is idle and no cell is executing.
async function idle(page) {
  const { status } = await kernel(page);
  const executing = await page.locator(SEL.indicator).first().getAttribute('data-status', { timeout: 1000 });
  return status === 'Idle' && executing === 'idle';
}

// prompts reads the execution prompt of every code cell: "[3]:", "[*]:", "[ ]:".
async function prompts(page) {
  return page.locator(`${SEL.codeCell} ${SEL.prompt}`).allTextContents();
}

const executed = (prompt) => /^\[\d+\]:?$/.test(prompt.trim());

// failOnDialog turns an open JupyterLab dialog (kernel not found, error)
// into a test failure that says what it said.
async function failOnDialog(page) {
  const dialog = page.locator(SEL.dialog);
  if (await dialog.count()) {
    throw new Error(`JupyterLab shows a dialog: ${(await dialog.first().innerText()).replace(/\s+/g, ' ')}`);
  }
}

// waitAllRan waits until every code cell has an execution count, none is
// queued or running, and the kernel is idle.
async function waitAllRan(page, ms) {
  return waitFor('every cell to run', ms, async () => {
    await failOnDialog(page);
    const ps = await prompts(page);
    return ps.length > 0 && ps.every(executed) && (await idle(page)) ? ps : false;
  });
}

// findCodeCell scrolls through the code cells, as a reader would, to the
// first one whose source contains text. (JupyterLab creates the editors of
// cells far below the view only when they come near it.)
async function findCodeCell(page, text) {
  const cells = page.locator(SEL.codeCell);
  const n = await cells.count();
  for (let i = 0; i < n; i++) {
    const cell = cells.nth(i);
    await cell.scrollIntoViewIfNeeded();
    const editor = cell.locator(SEL.editor);
    await editor.waitFor({ timeout: 5000 });
    if ((await editor.innerText()).includes(text)) return cell;
  }
  throw new Error(`no code cell contains ${JSON.stringify(text)}`);
}

// typeEdit turns the first occurrence of find in the cell's editor into
// replace the way a person does in CodeMirror: it selects the characters
// that differ with the mouse (click at the start, Shift+click at the end)
// and types the new ones.
async function typeEdit(page, cell, { find, replace }) {
  let pre = 0;
  while (pre < find.length && pre < replace.length && find[pre] === replace[pre]) pre++;
  let suf = 0;
  while (suf < find.length - pre && suf < replace.length - pre &&
    find[find.length - 1 - suf] === replace[replace.length - 1 - suf]) suf++;
  const typed = replace.slice(pre, replace.length - suf);
  assert.ok(find.length - pre - suf > 0, `the edit ${JSON.stringify(find)} -> ${JSON.stringify(replace)} replaces nothing`);
  const box = await cell.locator(SEL.editor).evaluate((content, [find, from, to]) => {
    // Walk the text nodes of each line to find the characters and their
    // positions on the screen.
    for (const line of content.querySelectorAll('.cm-line')) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      const nodes = [];
      let text = '';
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        nodes.push({ n, at: text.length });
        text += n.data;
      }
      const i = text.indexOf(find);
      if (i < 0) continue;
      const charRect = (k) => {
        const { n, at } = nodes.findLast((x) => x.at <= k);
        const r = document.createRange();
        r.setStart(n, k - at);
        r.setEnd(n, k - at + 1);
        return r.getBoundingClientRect();
      };
      const first = charRect(i + from);
      const last = charRect(i + to - 1);
      return { x0: first.left + 1, x1: last.right - 1, y: (first.top + first.bottom) / 2 };
    }
    return null;
  }, [find, pre, find.length - suf]);
  assert.ok(box, `the text ${JSON.stringify(find)} is not on one line of the cell's editor`);
  await page.mouse.click(box.x0, box.y);
  await page.keyboard.down('Shift');
  await page.mouse.click(box.x1, box.y);
  await page.keyboard.up('Shift');
  await page.keyboard.type(typed, { delay: 30 });
}

test('a notebook runs in JupyterLab in headless Chromium', { timeout: LIMIT.whole }, async (t) => {
  const notebook = path.resolve(process.env.NOTEBOOK || DEFAULT_NOTEBOOK);
  const name = path.basename(notebook);
  let edit = EDITS[name];
  if (process.env.EDIT) {
    try {
      edit = JSON.parse(process.env.EDIT);
    } catch (err) {
      throw new Error(`EDIT is not JSON: ${err.message}`);
    }
  }
  assert.ok(edit && ['cell', 'find', 'replace', 'expect'].every((k) => typeof edit[k] === 'string'),
    `no edit for ${name}: set EDIT='{"cell":"…","find":"…","replace":"…","expect":"…"}'`);
  const outDir = path.resolve(process.env.OUT_DIR || path.join(here, 'out'));
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  await fs.mkdir(outDir, { recursive: true });
  for (const f of await fs.readdir(outDir)) {
    if (/\.(png|html|log)$/.test(f)) await fs.rm(path.join(outDir, f), { force: true });
  }

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'golab-browsertest-'));
  const lab = new Lab(tmp);
  let context;
  let page;
  try {
    // The kernel: built (or given) and installed into a prefix of our own.
    let bin = process.env.GOLAB_BIN;
    if (!bin) {
      bin = path.join(tmp, 'golab');
      await run('go', ['build', '-o', bin, '.'], { cwd: repo, timeout: LIMIT.build });
    }
    const prefix = path.join(tmp, 'prefix');
    await run(path.resolve(bin), ['install', '--prefix', prefix], { timeout: 10_000 });

    // The notebook, copied so the repository's file stays as it is.
    const root = path.join(tmp, 'notebooks');
    await fs.mkdir(root);
    await fs.copyFile(notebook, path.join(root, name));

    // JupyterLab with its config, data and settings in tmp: the user's own
    // settings and kernels do not leak in, and nothing asks for news.
    const config = path.join(tmp, 'config');
    const settings = path.join(config, 'lab', 'user-settings', '@jupyterlab', 'apputils-extension');
    await fs.mkdir(settings, { recursive: true });
    await fs.writeFile(path.join(settings, 'notification.jupyterlab-settings'),
      JSON.stringify({ fetchNews: 'false', checkForUpdates: false }));
    // Every cell in the page: JupyterLab 4 otherwise leaves cells far below
    // the view out of the DOM, and the test reads every cell's prompt.
    const tracker = path.join(config, 'lab', 'user-settings', '@jupyterlab', 'notebook-extension');
    await fs.mkdir(tracker, { recursive: true });
    await fs.writeFile(path.join(tracker, 'tracker.jupyterlab-settings'),
      JSON.stringify({ windowingMode: 'none' }));
    const env = {
      ...process.env,
      JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'),
      JUPYTER_CONFIG_DIR: config,
      JUPYTER_DATA_DIR: path.join(tmp, 'data'),
      JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
      JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
    };
    const port = await freePort();
    await lab.start({ jupyter: jupyterCommand(), root, port, env });

    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath,
      headless: true,
      args: [
        '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
      viewport: { width: 1280, height: 1600 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => t.diagnostic(`page error: ${err.message}`));

    // step runs one check as a subtest and saves a screenshot when it fails.
    let failures = 0;
    const step = (title, opts, fn) => t.test(title, opts, async (st) => {
      try {
        await fn(st);
      } catch (err) {
        failures++;
        await page.screenshot({ path: path.join(outDir, `failure-${failures}.png`), fullPage: true }).catch(() => {});
        throw err;
      }
    });

    await page.goto(`${lab.base}/lab/tree/${encodeURIComponent(name)}?reset&token=${lab.token}`, {
      timeout: LIMIT.page,
    });

    await step('the notebook opens on the golab kernel, which becomes idle', {}, async () => {
      await page.locator(SEL.cell).first().waitFor({ timeout: LIMIT.page });
      await waitFor('the kernel to be idle', LIMIT.page, async () => {
        await failOnDialog(page);
        return idle(page);
      });
      assert.match((await kernel(page)).name, /golab/i);
    });

    let ranAll = false;
    await step('Run > Run All Cells runs every code cell', {}, async () => {
      // Lessons fold the code of some cells; a folded cell shows no prompt,
      // so unfold them all first (View > Expand All Code) to read every one.
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^View$/ }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: /^Expand All Code$/ }).click();
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
      const ps = await waitAllRan(page, LIMIT.runAll);
      assert.equal(ps.length, await page.locator(SEL.codeCell).count());
      assert.ok(await idle(page), 'the kernel is idle again');
      ranAll = true;
    });

    await step('no cell shows an error', {}, async () => {
      const errors = await page.locator(`${SEL.codeCell} ${SEL.errorOutput}`).allTextContents();
      assert.equal(errors.length, 0, `${errors.length} error output(s):\n${errors.join('\n---\n')}`);
    });

    await step('a table has a GOMAXPROCS column', {}, async () => {
      const headers = await page.locator(`${SEL.codeCell} ${SEL.htmlTable} th`).allTextContents();
      assert.ok(headers.some((h) => /\bGOMAXPROCS\b/.test(h)),
        `no rendered table has a GOMAXPROCS header; headers: ${JSON.stringify(headers)}`);
    });

    await step('a timeline SVG is visible', {}, async () => {
      const svgs = page.locator(`${SEL.codeCell} :is(${SEL.svg})`);
      const n = await svgs.count();
      assert.ok(n > 0, 'no SVG output');
      const svg = svgs.first();
      await svg.scrollIntoViewIfNeeded();
      assert.ok(await svg.isVisible(), 'the SVG is not visible');
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 40, `the SVG is too small to see: ${JSON.stringify(box)}`);
      // An <img> must have loaded and decoded its SVG.
      const loaded = await svg.evaluate((el) => el.tagName.toLowerCase() !== 'img' || (el.complete && el.naturalWidth > 0));
      assert.ok(loaded, 'the SVG image did not load');
      await page.screenshot({ path: path.join(outDir, 'timeline.png') });
    });

    await step('an edited cell, rerun with Shift+Enter, shows the new result', { skip: !ranAll && 'the notebook did not run' }, async () => {
      const cell = await findCodeCell(page, edit.cell);
      const before = await cell.locator(SEL.prompt).innerText();
      const outputText = async () => (await cell.locator('.jp-OutputArea-output').allTextContents()).join('\n');
      const oldOut = await outputText();
      await typeEdit(page, cell, edit);
      const source = await cell.locator(SEL.editor).innerText();
      assert.ok(source.includes(edit.replace), `the editor did not take the edit: ${source}`);
      await page.keyboard.press('Shift+Enter');
      await waitFor('the edited cell to run', LIMIT.rerun, async () => {
        await failOnDialog(page);
        const p = await cell.locator(SEL.prompt).innerText();
        return p.trim() !== before.trim() && executed(p) && (await idle(page));
      });
      const out = await outputText();
      assert.match(out, new RegExp(edit.expect), `the output after the edit (before it: ${JSON.stringify(oldOut)})`);
      assert.doesNotMatch(oldOut, new RegExp(edit.expect), 'the output showed the new result before the edit');
      const errors = await cell.locator(SEL.errorOutput).allTextContents();
      assert.equal(errors.length, 0, `the rerun cell shows an error:\n${errors.join('\n---\n')}`);
      await cell.scrollIntoViewIfNeeded();
    });

    await page.screenshot({ path: path.join(outDir, 'lab.png'), fullPage: true });
  } catch (err) {
    if (page) await page.screenshot({ path: path.join(outDir, 'failure-setup.png'), fullPage: true }).catch(() => {});
    throw err;
  } finally {
    if (page && process.env.DUMP) {
      await fs.writeFile(path.join(outDir, 'page.html'), await page.content()).catch(() => {});
    }
    await context?.close().catch(() => {});
    await lab.stop();
    await fs.copyFile(lab.logPath, path.join(outDir, 'server.log')).catch(() => {});
    if (!process.env.KEEP_TMP) await fs.rm(tmp, { recursive: true, force: true });
  }
});
