// What the command line needs from the package, plus JSON data files.
export { parseJsonMatrix } from '../data/json.js';
export { parseDecimal } from '../data/values.js';
export * from '../index.node.js';
