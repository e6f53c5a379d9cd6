import type { EngineInfo, RuntimeOptions } from '../types.js';
import { type Backend, type EngineCalls, openBackend } from './backend.js';

/**
 * An engine (inline or in its own worker) shared by the objects built on it — an
 * autoencoder and the classifier made from its encoder live in the same WASM memory. The
 * engine closes when the last of them is disposed.
 */
export class Runtime {
  private users = 0;

  private constructor(private readonly backend: Backend) {}

  static async open(options: RuntimeOptions = {}): Promise<Runtime> {
    return new Runtime(await openBackend(options));
  }

  get call(): EngineCalls {
    return this.backend.call;
  }

  get info(): EngineInfo & { backend: 'inline' | 'worker' } {
    return { ...this.backend.info, backend: this.backend.kind };
  }

  retain(): this {
    this.users++;
    return this;
  }

  async release(): Promise<void> {
    this.users--;
    if (this.users <= 0) await this.backend.close();
  }

  /** Run `f` with a temporary handle, disposing it afterwards whatever happens. */
  async withHandle<T>(id: number, f: (id: number) => Promise<T>): Promise<T> {
    try {
      return await f(id);
    } finally {
      await this.call.dispose(id).catch(() => {});
    }
  }
}
