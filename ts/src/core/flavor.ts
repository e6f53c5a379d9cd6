import { relaxedSimd, simd } from 'wasm-feature-detect';
import { DiaboloError } from '../base/errors.js';
import type { Flavor } from '../base/types.js';

/** Every flavour, best first. Keep in sync with scripts/build-wasm.mjs. */
export const FLAVORS: readonly Flavor[] = ['relaxed', 'simd128', 'scalar'];

/** The flavours this runtime can run. */
export async function supportedFlavors(): Promise<Flavor[]> {
  const [hasSimd, hasRelaxed] = await Promise.all([simd(), relaxedSimd()]);
  if (!hasSimd) return ['scalar'];
  return hasRelaxed ? ['relaxed', 'simd128', 'scalar'] : ['simd128', 'scalar'];
}

/** Resolve `'auto'` to the best supported flavour; check an explicit request. */
export async function chooseFlavor(requested: Flavor | 'auto' = 'auto'): Promise<Flavor> {
  const supported = await supportedFlavors();
  if (requested === 'auto') return supported[0] as Flavor;
  if (!FLAVORS.includes(requested)) {
    throw new DiaboloError(
      'E_INVALID',
      `flavor = ${JSON.stringify(requested)} is not allowed: expected one of auto, ${FLAVORS.join(', ')}`,
    );
  }
  if (!supported.includes(requested)) {
    throw new DiaboloError(
      'E_INVALID',
      `flavor = "${requested}" is not supported by this runtime (supported: ${supported.join(', ')})`,
    );
  }
  return requested;
}
