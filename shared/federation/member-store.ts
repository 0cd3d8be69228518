// Each member keeps its state under its own prefix, so adding or removing a member
// touches no other member's alerts or models. The federation's own alerts (keys
// `alert/binderHealth/federation:…`) stay in the federation's state, where every member
// reads them: a member's launch alert depends on its rotation alert there.
import type { StateStore } from '../state/store.ts';

const FEDERATION_ALERTS = 'alert/binderHealth/federation:';

export const memberPrefix = (member: string) => `member/${member}/`;

export function memberStore(root: StateStore, member: string): StateStore {
  const prefix = memberPrefix(member);
  const at = (key: string) => (key.startsWith(FEDERATION_ALERTS) ? key : prefix + key);
  return {
    get: (key) => root.get(at(key)),
    put: (key, value, ifVersion) => root.put(at(key), value, ifVersion),
    async list(p) {
      return (await root.list(prefix + p)).map((k) => k.slice(prefix.length));
    },
  };
}
