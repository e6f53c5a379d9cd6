// The public API shared by the Node and browser entry points.

export { DiaboloError, type ErrorCode } from './base/errors.js';
export type * from './base/types.js';
export { type AssetPaths, setAssetPaths } from './core/assets.js';
export { supportedFlavors } from './core/flavor.js';
export { type CsvOptions, parseCsv } from './data/csv.js';
export { type IdxArray, parseIdx } from './data/idx.js';
export { matrix } from './data/matrix.js';
export { parseNpy } from './data/npy.js';
export { type LabelledMatrix, SHAPE_NAMES, type ShapesOptions, shapes } from './data/shapes.js';
export { ONNX_IR_VERSION, ONNX_OPSET, type OnnxExportOptions, type OnnxPart } from './interop/onnx-options.js';
export {
  Autoencoder,
  type Evaluation,
  type PyTorchExport,
  type ReconstructionErrors,
  type ThresholdRule,
} from './model/autoencoder.js';
export {
  Classifier,
  type ClassifierDropout,
  type ClassifierEarlyStopping,
  type ClassifierEpochProgress,
  type ClassifierFitOptions,
  type ClassifierFitResult,
  type ClassifierOptions,
} from './model/classifier.js';
export type { ResolvedAutoencoderConfig, ResolvedLayer } from './model/config.js';
export { FORMAT_VERSION } from './model/format.js';
export { pretrainStack, type StackOptions, type StackResult, type StackStage } from './model/stacked.js';
export { TrainingControl } from './train/control.js';
export {
  type GridOptions,
  type HistogramOptions,
  histogram,
  imageGrid,
  PALETTE,
  type Raster,
  raster,
  scatter,
} from './viz/raster.js';
