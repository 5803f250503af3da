// Starts what the console's browser tests run against, on loopback: the fake OpenAI-compatible provider
// (build/tests/iris_fake_openai: chat completions + images/edits) and a real `iris serve` with real models
// installed from ../shared/models into a temporary directory. stop() ends both and removes the directory.
import {spawn, execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, existsSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, what, attempts = 600) {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startIris({buildDir, sharedDir}) {
  const iris = join(buildDir, 'iris');
  const fake = join(buildDir, 'tests', 'iris_fake_openai');
  for (const f of [iris, fake]) if (!existsSync(f)) throw new Error(`missing ${f}: build first`);
  if (!existsSync(join(sharedDir, 'models', 'clip-standin-colors'))) {
    throw new Error(`missing ${sharedDir}/models (set IRIS_SHARED_DIR to the shared folder)`);
  }
  const work = mkdtempSync(join(tmpdir(), 'iris-console-'));
  const children = [];
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
    rmSync(work, {recursive: true, force: true});
  };
  try {
    const fakeProcess = spawn(fake, [], {stdio: ['ignore', 'pipe', 'inherit']});
    children.push(fakeProcess);
    let fakeOut = '';
    fakeProcess.stdout.on('data', (d) => { fakeOut += d; });
    const urls = await waitFor(() => {
      const chat = /^chat_url=(.*)$/m.exec(fakeOut);
      const images = /^images_url=(.*)$/m.exec(fakeOut);
      return chat && images ? {chat: chat[1].trim(), images: images[1].trim()} : null;
    }, 'the fake provider');

    execFileSync(iris, ['models', 'pull', 'yolox-nano', 'yunet', 'isnet-general-small-int8', '--models-dir',
      join(work, 'models'), '--model-mirror', join(sharedDir, 'models'), '--log-level', 'warn'], {stdio: 'ignore'});
    const port = await freePort();
    const serve = spawn(iris, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', join(work, 'data'),
      '--models-dir', join(work, 'models'), '--local-models', `colors=${join(sharedDir, 'models', 'clip-standin-colors')}`,
      '--default-clip-model', 'colors', '--preload-models', 'colors', '--captions-url', urls.chat,
      '--captions-model', 'fake-vision-1', '--generation-url', urls.images, '--generation-model', 'fake-image-1',
      '--log-level', 'warn'], {stdio: ['ignore', 'inherit', 'inherit']});
    children.push(serve);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      try { return (await fetch(`${base}/readyz`)).ok; } catch { return false; }
    }, 'iris serve to be ready');
    return {base, work, stop};
  } catch (error) {
    stop();
    throw error;
  }
}
