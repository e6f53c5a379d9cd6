import { DiaboloError } from '../base/errors.js';
import type { EngineInfo, RuntimeOptions } from '../base/types.js';
import { type Backend, openBackend } from './backend.js';
import type { EngineCalls } from './calls.js';

/**
 * An engine (inline or in its own worker) shared by the objects built on it — an
 * autoencoder and the classifier made from its encoder live in the same WASM memory. The
 * engine closes when the last of them is disposed.
 */
export class Runtime {
  private users = 0;
  /** Handles with a training call running on them, and which call. */
  private readonly training = new Map<number, string>();

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

  /**
   * Run `train` with handle `id` marked as training with `what`. A model trains one call at
   * a time: a second training call, or one that replaces its weights, while it trains is
   * refused with `E_BUSY` (calls that only read it — encode, evaluate, save, … — go on, and
   * see the weights at a minibatch boundary). The mark is taken before this returns, i.e.
   * before the caller's first await.
   */
  async whileTraining<T>(id: number, what: string, train: () => Promise<T>): Promise<T> {
    this.assertNotTraining(id, what);
    this.training.set(id, what);
    try {
      return await train();
    } finally {
      this.training.delete(id);
    }
  }

  /** `E_BUSY` if handle `id` is training (see {@link whileTraining}). */
  assertNotTraining(id: number, what: string): void {
    const running = this.training.get(id);
    if (running !== undefined) {
      throw new DiaboloError(
        'E_BUSY',
        `${what}: this model is training (${running} has not finished); await it — or cancel it with its AbortSignal — before starting another training call or changing its weights`,
      );
    }
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

/**
 * An object that owns one handle in a runtime's engine (a model, a classifier): it keeps the
 * runtime alive while it lives, and refuses use after {@link dispose}.
 */
export abstract class EngineObject {
  private disposed = false;

  protected constructor(
    protected readonly rt: Runtime,
    protected readonly id: number,
    private readonly kind: string,
  ) {
    rt.retain();
  }

  /** Free the handle's memory and stop the worker once nothing else uses it. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.rt.call.dispose(this.id).catch(() => {});
    await this.rt.release();
  }

  protected alive(): void {
    if (this.disposed) throw new DiaboloError('E_DISPOSED', `this ${this.kind} was disposed`);
  }
}
