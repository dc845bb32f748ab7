// The JAAS configuration string of a `<mechanism>.sasl.jaas.config` setting, as Kafka's
// JaasConfig parses it: `LoginModuleClass required key="value" key2=value2;`.

export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

export function parseJaasConfig(text: string): JaasEntry[] {
  const out: JaasEntry[] = [];
  let i = 0;
  const s = text;
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const word = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !/[\s=;"]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  for (;;) {
    skipWs();
    if (i >= s.length) break;
    const loginModule = word();
    const flag = word();
    if (!loginModule || !['required', 'requisite', 'sufficient', 'optional'].includes(flag)) {
      throw new Error(`invalid JAAS config: expected "<LoginModule> required ...;" at "${s.slice(0, 60)}"`);
    }
    const options = new Map<string, string>();
    for (;;) {
      skipWs();
      if (i >= s.length) throw new Error('invalid JAAS config: missing ";" at the end');
      if (s[i] === ';') {
        i++;
        break;
      }
      const key = word();
      skipWs();
      if (!key || s[i] !== '=') throw new Error(`invalid JAAS config: expected key=value near "${s.slice(i, i + 30)}"`);
      i++;
      skipWs();
      let value: string;
      if (s[i] === '"') {
        i++;
        let v = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          v += s[i];
          i++;
        }
        if (s[i] !== '"') throw new Error('invalid JAAS config: unterminated quoted value');
        i++;
        value = v;
      } else value = word();
      options.set(key, value);
    }
    out.push({ loginModule, flag, options });
  }
  return out;
}

/** PlainLoginModule's users: every `user_<name>="<password>"` option. */
export function plainUsers(entries: readonly JaasEntry[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const e of entries) {
    for (const [k, v] of e.options) if (k.startsWith('user_')) users.set(k.slice(5), v);
  }
  return users;
}
