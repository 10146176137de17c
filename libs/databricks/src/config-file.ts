/**
 * `~/.databrickscfg`: an INI file of named profiles (`[DEFAULT]`, `[staging]`, …) with `key = value` lines.
 * Unlike Python's configparser we do not copy `[DEFAULT]` keys into other profiles: a profile says
 * everything it means, so picking `--profile staging` never silently borrows the default token.
 */
export type ConfigProfiles = Map<string, Map<string, string>>;

export function parseConfigFile(text: string): ConfigProfiles {
  const profiles: ConfigProfiles = new Map();
  let current: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      const name = section[1].trim();
      current = profiles.get(name) ?? new Map();
      profiles.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !current) continue; // lines outside a section or without `=` carry nothing we read
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key !== '') current.set(key, value);
  }
  return profiles;
}
