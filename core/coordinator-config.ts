/**
 * Shared parsing of the coordinators' data-directory settings (group-config.ts, transaction-config.ts):
 * each takes its own names out of `Eddy.open({ config })` before the log sees the rest, so unknown
 * names still fail there with ERR_CONFIG_UNKNOWN.
 */
import { EddyError } from './errors.js';

export type ConfigInput = Record<string, string | number | boolean>;

/** Splits `config` into the values of `defaults`' names (defaults filled in) and everything else. */
export function takeConfig<N extends string>(config: ConfigInput, defaults: Readonly<Record<N, number>>): { given: Record<N, unknown>; rest: ConfigInput } {
  const rest: ConfigInput = {};
  const given: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(config)) {
    if (Object.hasOwn(defaults, name)) given[name] = value;
    else rest[name] = value;
  }
  return { given: given as Record<N, unknown>, rest };
}

/** An integer setting in [min, max]; numeric strings are accepted. ERR_CONFIG_INVALID otherwise. */
export function intConfig(name: string, raw: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new EddyError('ERR_CONFIG_INVALID', `Invalid value ${JSON.stringify(raw)} for "${name}": expected an integer ${range}`, { config: name, value: raw });
  }
  return n;
}
