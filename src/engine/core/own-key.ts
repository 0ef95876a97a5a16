/**
 * The value stored under `key` in a plain object used as a map, or undefined: own keys only, so a
 * user-supplied name such as "constructor", "toString" or "__proto__" never finds Object.prototype's
 * members. Every lookup by a key that came from outside (argv, config, registry, usage logs) into a
 * plain object goes through this.
 */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
