// Copies of a model kept inside the engine, to go back to: the parameters of early stopping's
// best epoch, and the whole training state at the start of an epoch (to retry it after a
// divergence). They never leave the engine's thread.
import { DiaboloError } from '../base/errors.js';
import type { ModelCalls, ModelState, SnapshotCalls } from './calls.js';
import type { Handles } from './handles.js';

/** What snapshots need of the model calls. */
type ModelAccess = Pick<ModelCalls, 'parameters' | 'setParameters' | 'state' | 'setState'>;

export function snapshotCalls(h: Handles, models: ModelAccess): SnapshotCalls {
  const snapshots = h.table<Float32Array>();
  const savedStates = h.table<ModelState>();
  return {
    snapshot(model) {
      snapshots.set(model, models.parameters(model));
    },

    restoreSnapshot(model) {
      const p = snapshots.get(model);
      if (!p) throw new DiaboloError('E_INTERNAL', `no snapshot of model #${model}`);
      models.setParameters(model, p);
    },

    saveState(model) {
      savedStates.set(model, models.state(model));
    },

    restoreState(model) {
      const s = savedStates.get(model);
      if (!s) throw new DiaboloError('E_INTERNAL', `no saved state of model #${model}`);
      models.setState(model, s);
    },
  };
}
