/**
 * The entity properties of users (`/rest/api/3/user/properties`), per account id: what Jira
 * keeps for apps "to store custom data against a user". Values are kept as the JSON text the
 * caller sent and parsed on every read, so no caller shares an object with the store.
 */
export class UserPropertyStore {
  private readonly byAccount = new Map<string, Map<string, string>>();

  /** The property keys of `accountId`, sorted (Jira's order is undocumented). */
  listKeys(accountId: string): string[] {
    return [...(this.byAccount.get(accountId)?.keys() ?? [])].sort();
  }

  /** The stored value, or undefined when the user has no such property. */
  find(accountId: string, key: string): { value: unknown } | undefined {
    const text = this.byAccount.get(accountId)?.get(key);
    return text === undefined ? undefined : { value: JSON.parse(text) as unknown };
  }

  /** Stores `jsonText` (already validated JSON) under `key`; says whether it was new. */
  set(accountId: string, key: string, jsonText: string): 'created' | 'updated' {
    let properties = this.byAccount.get(accountId);
    if (!properties) {
      properties = new Map();
      this.byAccount.set(accountId, properties);
    }
    const existed = properties.has(key);
    properties.set(key, jsonText);
    return existed ? 'updated' : 'created';
  }

  /** Removes a property; false when there was none. Idempotent. */
  delete(accountId: string, key: string): boolean {
    return this.byAccount.get(accountId)?.delete(key) ?? false;
  }
}
