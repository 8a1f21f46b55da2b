/**
 * A Map for memos whose keys come from requests (codes, filters, option sets): a new key when it holds `limit`
 * entries empties it first, so it never grows without bound and costs no bookkeeping per hit.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
