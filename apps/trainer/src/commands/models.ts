import type { Command } from 'commander';
import { openRegistry, type AliasEvent, type ModelRegistry } from '@fraudops/registry';
import { CliError, ExitCode, type CliContext, type Output } from '@fraudops/cli';
import { openWorkspace } from '../pipeline/databricks-connection.js';
import { numberFlag } from './train-options.js';

const EXAMPLES = `
Examples:
  # every model of the local registry (./models), or of Unity Catalog main.fraud
  $ fraudops-train models list
  $ fraudops-train models list --registry databricks-uc://main.fraud

  # what a URI resolves to now: version, aliases, commit, metrics, threshold
  $ fraudops-train models show models:/fraud-detector@champion

  # point an alias at a version, saying why (kept in the alias history)
  $ fraudops-train models set-alias fraud-detector champion 7 --reason "v8 alerts too often"

  # give @champion back to the version that held it before, with the reason recorded
  $ fraudops-train models rollback fraud-detector --reason "precision dropped after the v8 release"`;

/** How a rollback event's reason starts, so that a second rollback goes further back instead of undoing the first. */
const ROLLBACK_PREFIX = 'rollback from v';

interface RegistryFlags {
  registry: string;
  profile?: string;
  json?: boolean;
}

function registryOf(flags: RegistryFlags): ModelRegistry {
  const databricks = flags.registry.startsWith('databricks-uc:') ? { databricks: openWorkspace(flags) } : {};
  return openRegistry(flags.registry, databricks);
}

function withRegistryFlags(command: Command): Command {
  return command
    .option(
      '--registry <uri>',
      'model registry: a directory, or databricks-uc://<catalog>.<schema>[?volume=…]',
      'models',
    )
    .option(
      '--profile <name>',
      'profile of ~/.databrickscfg for a databricks-uc:// registry (default: DATABRICKS_HOST and DATABRICKS_TOKEN, or [DEFAULT])',
    )
    .option('--json', 'print one JSON object on stdout');
}

function printEvent(event: AliasEvent, name: string, output: Output): void {
  const from = event.previous === null ? 'unset' : `v${event.previous}`;
  const to = event.version === null ? 'unset' : `v${event.version}`;
  output.line(`${name}@${event.alias}: ${from} → ${to}${event.reason ? ` (${event.reason})` : ''}`);
}

/**
 * The version `alias` should go back to: the most recent earlier holder that is neither the current one nor
 * a version a rollback moved away from (so rolling back twice goes two steps back, not back and forth).
 */
export function rollbackTarget(history: AliasEvent[], alias: string, current: number): number | undefined {
  const events = history.filter((e) => e.alias === alias);
  const abandoned = new Set<number>([current]);
  for (const e of events) if (e.reason?.startsWith(ROLLBACK_PREFIX) && e.previous !== null) abandoned.add(e.previous);
  for (let i = events.length - 1; i >= 0; i--) {
    const { version } = events[i];
    if (version !== null && !abandoned.has(version)) return version;
  }
  return undefined;
}

function registerList(models: Command, context: CliContext): void {
  withRegistryFlags(models.command('list').description('Every registered model: latest version and aliases.')).action(
    async (flags: RegistryFlags) => {
      const output = context.output(Boolean(flags.json));
      const registry = registryOf(flags);
      const list = await registry.listModels();
      if (list.length === 0) output.line(`no models in ${registry.location}`);
      for (const model of list) {
        const aliases = Object.entries(model.aliases)
          .map(([alias, version]) => `@${alias}=v${version}`)
          .join(' ');
        output.line(`${model.name.padEnd(24)} latest v${model.latestVersion}  ${aliases}`);
      }
      output.result({ registry: registry.location, models: list });
    },
  );
}

function registerShow(models: Command, context: CliContext): void {
  withRegistryFlags(
    models
      .command('show')
      .description(
        'What a model URI resolves to now: version, aliases, commit, feature spec, metrics, threshold, global importance.',
      )
      .argument('<uri>', 'models:/<name>@<alias>, models:/<name>/<version> or models:/<name>/latest'),
  ).action(async (uri: string, flags: RegistryFlags) => {
    const output = context.output(Boolean(flags.json));
    const registry = registryOf(flags);
    const version = await registry.resolve(uri);
    const { card } = version;
    output.line(`${version.uri}${version.aliases.length ? `  ${version.aliases.map((a) => `@${a}`).join(' ')}` : ''}`);
    output.line(`created     ${card.created}`);
    output.line(
      `model       ${card.model.algorithm}${card.model.producer ? ` (${card.model.producer})` : ''}; commit ${card.gitSha ?? 'unknown'}`,
    );
    output.line(`features    ${card.featureSpec.name} (${card.featureSpec.features.length}, ${card.featureSpec.hash})`);
    output.line(`test        ${card.trainingData.test.start} … ${card.trainingData.test.end}`);
    for (const [name, metric] of Object.entries(card.metrics)) {
      const ci = metric.ci ? ` [${metric.ci.lower.toFixed(4)}, ${metric.ci.upper.toFixed(4)}]` : '';
      output.line(`  ${name.padEnd(22)} ${metric.value.toFixed(4)}${ci}`);
    }
    output.line(`threshold   ${card.threshold.value} (${card.threshold.rule}): ${card.threshold.rationale}`);
    if (card.importance) {
      output.line(
        `importance  mean |contribution| on ${card.importance.rows.toLocaleString('en-US')} test rows (${card.importance.method})`,
      );
      card.importance.features.forEach(({ feature, meanAbsContribution }, i) =>
        output.line(`  ${String(i + 1).padStart(2)} ${feature.padEnd(36)} ${meanAbsContribution.toFixed(4)}`),
      );
    }
    output.result({
      registry: registry.location,
      name: version.name,
      version: version.version,
      uri: version.uri,
      aliases: version.aliases,
      card,
    });
  });
}

function registerSetAlias(models: Command, context: CliContext): void {
  withRegistryFlags(
    models
      .command('set-alias')
      .description('Point an alias at a version (it must exist); the change and its reason go into the alias history.')
      .argument('<name>', 'model name')
      .argument('<alias>', 'alias, e.g. champion or challenger')
      .argument('<version>', 'version number', numberFlag('<version>', { integer: true, min: 1 }))
      .option('--reason <text>', 'why, recorded in the alias history'),
  ).action(async (name: string, alias: string, version: number, flags: RegistryFlags & { reason?: string }) => {
    const output = context.output(Boolean(flags.json));
    const registry = registryOf(flags);
    const event = await registry.setAlias(
      name,
      alias,
      version,
      flags.reason !== undefined ? { reason: flags.reason } : {},
    );
    printEvent(event, name, output);
    output.result({ registry: registry.location, name, event });
  });
}

function registerRollback(models: Command, context: CliContext): void {
  withRegistryFlags(
    models
      .command('rollback')
      .description('Move an alias (@champion) back to the version that held it before, from the alias history.')
      .argument('<name>', 'model name')
      .option('--alias <alias>', 'the alias to move back', 'champion')
      .option('--reason <text>', 'why, recorded in the alias history'),
  ).action(async (name: string, flags: RegistryFlags & { alias: string; reason?: string }) => {
    const output = context.output(Boolean(flags.json));
    const registry = registryOf(flags);
    const current = await registry.getAlias(name, flags.alias);
    if (current === undefined)
      throw new CliError(`${name}@${flags.alias} is not set: nothing to roll back`, ExitCode.notFound);
    const target = rollbackTarget(await registry.aliasHistory(name), flags.alias, current);
    if (target === undefined) {
      throw new CliError(
        `${name}@${flags.alias} has had no other version before v${current}: nothing to roll back to (use models set-alias)`,
        ExitCode.notFound,
      );
    }
    const reason = `${ROLLBACK_PREFIX}${current} to v${target}${flags.reason ? `: ${flags.reason}` : ''}`;
    const event = await registry.setAlias(name, flags.alias, target, { reason });
    printEvent(event, name, output);
    output.result({ registry: registry.location, name, event });
  });
}

/** `fraudops-train models …`: the registry from the command line, for either backend. */
export function registerModels(program: Command, context: CliContext): void {
  const models = program
    .command('models')
    .description(
      'Registered models: list, show a URI, set an alias, roll @champion back (local directory or Unity Catalog).',
    )
    .addHelpText('after', EXAMPLES);
  registerList(models, context);
  registerShow(models, context);
  registerSetAlias(models, context);
  registerRollback(models, context);
}
