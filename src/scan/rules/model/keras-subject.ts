import type { KerasConfig } from '../../../formats/keras-config.ts';

/** Subject of the Keras rules: one walked config and where it came from. */
export interface KerasSubject {
  config: KerasConfig;
  /** `config.json` (a `.keras` v3 archive), or the HDF5 root attribute it was read from (`model_config`). */
  origin: string;
}
