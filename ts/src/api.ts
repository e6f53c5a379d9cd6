// The public API shared by the Node and browser entry points.
export { supportedFlavors } from './core/flavor.js';
export { matrix } from './data/matrix.js';
export { type LabelledMatrix, SHAPE_NAMES, type ShapesOptions, shapes } from './data/shapes.js';
export { DiaboloError, type ErrorCode } from './errors.js';
export { Autoencoder } from './model/autoencoder.js';
export type { ResolvedAutoencoderConfig } from './model/config.js';
export type * from './types.js';
