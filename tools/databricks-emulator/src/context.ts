import type { GitRemotes } from './git.js';
import type { LocalRoots } from './paths.js';
import type { StateStore } from './state.js';

/** What the API modules share: state, the local directories behind paths, and who "the user" is. */
export interface EmulatorContext {
  state: StateStore;
  roots: LocalRoots;
  gitRemotes: GitRemotes;
  /** The emulator's own scratch space (run checkouts, model storage). */
  dataDir: string;
  /** The user every object is created by (`creator_user_name`). */
  userName: string;
  /** Ids of the all-purpose clusters that exist (`existing_cluster_id` must name one). */
  clusters: ReadonlySet<string>;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  baseUrl(): string;
}
