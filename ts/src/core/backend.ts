import { releaseProxy, wrap } from 'comlink';
import { DiaboloError } from '../base/errors.js';
import type { EngineInfo, RuntimeOptions } from '../base/types.js';
import { assetPaths } from './assets.js';
import { ENGINE_CALLS, type EngineCalls } from './calls.js';
import { createEngine, type Engine } from './engine.js';
import { platform } from './platform.js';
import { installErrorTransfer } from './protocol.js';

/** An engine reached either in this thread or in a worker. */
export interface Backend {
  readonly kind: 'inline' | 'worker';
  readonly info: EngineInfo;
  readonly call: EngineCalls;
  /** Release the engine (and stop the worker, if any). Idempotent. */
  close(): Promise<void>;
}

function inlineCalls(engine: Engine): EngineCalls {
  const calls: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of ENGINE_CALLS) {
    const method = engine[name] as (...args: unknown[]) => unknown;
    calls[name] = async (...args) => method.apply(engine, args);
  }
  return calls as unknown as EngineCalls;
}

async function openInline(options: RuntimeOptions): Promise<Backend> {
  const engine = createEngine();
  const info = await engine.init(options.flavor ?? 'auto');
  return { kind: 'inline', info, call: inlineCalls(engine), close: async () => {} };
}

async function openWorker(options: RuntimeOptions): Promise<Backend> {
  installErrorTransfer();
  const handle = platform().spawnWorker();
  const remote = wrap<Engine>(handle.endpoint);
  // A dead worker never answers: every pending and later call races against its death.
  let dead: DiaboloError | undefined;
  let rejectDeath: (e: DiaboloError) => void = () => {};
  const death = new Promise<never>((_, reject) => {
    rejectDeath = reject;
  });
  death.catch(() => {});
  handle.onFailure((e) => {
    dead ??= e;
    rejectDeath(dead);
  });
  const calls: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of ENGINE_CALLS) {
    calls[name] = (...args) => {
      if (dead) return Promise.reject(dead);
      const method = remote[name] as unknown as (...a: unknown[]) => Promise<unknown>;
      return Promise.race([method(...args), death]).catch((e: unknown) => {
        // The worker's instance trapped: it is of no further use; free its memory now.
        if (e instanceof DiaboloError && e.fatal) {
          dead ??= e;
          void close();
        }
        throw e;
      });
    };
  }
  const call = calls as unknown as EngineCalls;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    remote[releaseProxy]();
    await handle.terminate();
  };
  try {
    const info = await call.init(options.flavor ?? 'auto', assetPaths());
    return { kind: 'worker', info, call, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Start an engine where `options.backend` says. */
export async function openBackend(options: RuntimeOptions = {}): Promise<Backend> {
  const kind = options.backend ?? 'inline';
  if (kind === 'inline') return openInline(options);
  if (kind === 'worker') return openWorker(options);
  throw new DiaboloError(
    'E_INVALID',
    `backend = ${JSON.stringify(kind)} is not allowed: expected "inline" or "worker"`,
  );
}
