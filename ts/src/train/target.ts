import type { OptimizerConfig } from '../base/types.js';

/**
 * What training needs to know of the model it trains. The model layer describes itself so:
 * train/ does not import model/.
 */
export interface TrainingTarget {
  /** Features per sample. */
  inputSize: number;
  /** A variational model (its KL term is what KL warm-up scales). */
  variational: boolean;
  /** Its optimizer (the default learning rate depends on it). */
  optimizer: OptimizerConfig;
  /** Its seed (replicas derive their noise streams from it). */
  seed: number;
  /** The core's spec of the model (JSON), from which replicas in other workers are built. */
  coreSpec: string;
}
