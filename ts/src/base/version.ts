/**
 * The version of the diabolo package (its package.json `version`), for what diabolo writes
 * about itself (an exported model's producer). `tests/onnx.test.ts` holds it equal to the
 * package.json.
 */
export const PACKAGE_VERSION = '0.1.0';
