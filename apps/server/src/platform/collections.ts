/**
 * Adds `value` to the list kept under `key`, in place. Grouping by spreading the old list into a new
 * one (`map.set(k, [...(map.get(k) ?? []), v])`) copies the list on every add: quadratic in a
 * group's size, and a batch of a thousand messages of one status allocated ~4 MB for it.
 */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
