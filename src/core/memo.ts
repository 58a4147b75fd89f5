// A bounded memo for the few strings that recur in every pod (shutdown keys, JSON pointers):
// the same string object each time, so property lookups by it stay fast. Bounded, since pods
// choose the names it is keyed by: once full it starts over.

export function remembered(make: (key: string) => string, limit = 1024): (key: string) => string {
  const made = new Map<string, string>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      if (made.size >= limit) made.clear();
      made.set(key, value);
    }
    return value;
  };
}
