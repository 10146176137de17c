/**
 * `~/.databrickscfg`: an INI file of named profiles (`[DEFAULT]`, `[staging]`, …) with `key = value` lines, and
 * an optional `[__settings__]` section (`default_profile = NAME`). As in the official SDKs (which read it with
 * Go's `ini` or Python's configparser and then look at one section only), profiles do not inherit from
 * `[DEFAULT]`: a profile says everything it means, so `--profile staging` never borrows the default token.
 */
export type ConfigProfiles = Map<string, Map<string, string>>;

/** The reserved section of the config file; it holds settings, never credentials, and is not a profile. */
export const SETTINGS_SECTION = '__settings__';

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

/** `[__settings__] default_profile`, when the file names one. */
export function defaultProfileOf(profiles: ConfigProfiles): string | undefined {
  const name = profiles.get(SETTINGS_SECTION)?.get('default_profile')?.trim();
  return name ? name : undefined;
}
