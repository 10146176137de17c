import { Option, type Command } from 'commander';
import { describeRunState, isTerminal, runSucceeded, type Run } from '@fraudops/databricks';
import type { CliContext } from '@fraudops/cli';
import { openWarehouse, openWorkspace } from '../pipeline/databricks-connection.js';
import {
  addConnectionFlags,
  addJobFlags,
  addProfileFlag,
  addWaitFlags,
  durationFlag,
  runIdArgument,
  type ConnectionFlags,
  type JobFlags,
  type WaitFlags,
} from '../cli/databricks-flags.js';
import { findTrainingJob } from '../pipeline/databricks-job.js';
import { cancelAndWait, failRun, watchRun } from '../pipeline/databricks-run.js';
import { appendMarkdownReport, finishLaunch, manifestOfRun, runOutputDir } from '../pipeline/databricks-train.js';
import { StageRunner } from '../pipeline/stages.js';
import { printDatabricksSummary } from './train-databricks.js';
import { numberFlag } from './train-options.js';

const EXAMPLES = `
Examples:
  # the training job's recent runs
  $ fraudops-train runs list

  # wait for a run started with train --backend databricks --no-wait (or one that outlived --timeout),
  # then convert, evaluate, gate and register its model exactly as train would have
  $ fraudops-train runs attach 123456 --warehouse-id 1234abcd

  # stop a run (waits until Databricks reports it stopped)
  $ fraudops-train runs cancel 123456`;

interface AttachFlags extends ConnectionFlags, WaitFlags {
  registry?: string;
  name?: string;
  dryRun?: boolean;
  json?: boolean;
  reportMd?: string;
}

function when(ms: number | undefined): string {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '–';
}

function registerList(runs: Command, context: CliContext): void {
  const command = runs
    .command('list')
    .description("The training job's runs, newest first.")
    .option('--active', 'only runs that have not finished')
    .option('--limit <n>', 'at most this many runs', numberFlag('--limit', { integer: true, min: 1, max: 1000 }), 20)
    .option('--json', 'print one JSON object on stdout');
  addJobFlags(command, false);
  addProfileFlag(command, false);
  command.action(async (flags: JobFlags & { profile?: string; active?: boolean; limit: number; json?: boolean }) => {
    const output = context.output(Boolean(flags.json));
    const client = openWorkspace(flags);
    const jobId = await findTrainingJob(client, flags);
    const list: Run[] = [];
    for await (const run of client.jobs.listRuns({ jobId, activeOnly: Boolean(flags.active) })) {
      list.push(run);
      if (list.length >= flags.limit) break;
    }
    if (list.length === 0) output.line(`no ${flags.active ? 'active ' : ''}runs of job ${jobId}`);
    for (const run of list) {
      output.line(
        `${String(run.run_id).padEnd(10)} ${describeRunState(run).padEnd(28).slice(0, 60)} ${when(run.start_time)}  ${runOutputDir(run)}`,
      );
    }
    output.result({
      jobId,
      runs: list.map((run) => ({
        runId: run.run_id,
        state: run.state,
        startTime: run.start_time ?? null,
        endTime: run.end_time || null,
        url: run.run_page_url ?? null,
        runDir: runOutputDir(run) || null,
      })),
    });
  });
}

function registerAttach(runs: Command, context: CliContext): void {
  const command = runs
    .command('attach')
    .description(
      'Wait for a training run, then finish its launch: ONNX conversion and parity, evaluation, gate, registration.',
    )
    .argument('<run-id>', 'the run id train printed', runIdArgument)
    .option('--registry <uri>', 'registry to use instead of the one the launch named')
    .option('--name <model>', "registered model name instead of the launch's")
    .option('--dry-run', 'evaluate, register nothing')
    .option('--report-md <file>', 'also append the Markdown report to this file (e.g. $GITHUB_STEP_SUMMARY)')
    .option('--json', 'print one JSON summary on stdout');
  addConnectionFlags(command, false);
  addWaitFlags(command, false);
  command.action(async (runId: number, flags: AttachFlags) => {
    const output = context.output(Boolean(flags.json));
    const client = openWorkspace(flags);
    const run = await client.jobs.getRun(runId);
    const launched = await manifestOfRun(client, run);
    const manifest = {
      ...launched,
      publish: {
        ...launched.publish,
        ...(flags.registry ? { registry: flags.registry } : {}),
        ...(flags.name ? { modelName: flags.name } : {}),
        ...(flags.dryRun ? { dryRun: true } : {}),
      },
    };
    output.status(`▸ attached to run ${runId} (launch ${manifest.launchId}, ${manifest.runDir})`);
    const engine = openWarehouse(client, flags);
    const stages = new StageRunner(output);
    try {
      const done = await stages.run('run', `waiting for run ${runId}`, () =>
        watchRun(client, runId, {
          output,
          timeout: flags.timeout,
          pollInterval: flags.pollInterval,
          onInterrupt: flags.onInterrupt,
        }),
      );
      if (!runSucceeded(done)) await failRun(client, done, output);
      const summary = await finishLaunch(client, engine, done, manifest, stages);
      if (flags.reportMd) await appendMarkdownReport(client, manifest.publish, summary, flags.reportMd);
      printDatabricksSummary(summary, output);
      output.result(summary);
    } finally {
      await engine.close();
    }
  });
}

function registerCancel(runs: Command, context: CliContext): void {
  const command = runs
    .command('cancel')
    .description('Cancel a run and wait until Databricks reports it stopped.')
    .argument('<run-id>', 'the run to cancel', runIdArgument)
    .option('--no-wait', 'only ask for the cancellation')
    .addOption(
      new Option('--timeout <duration>', 'wait at most this long for the run to stop')
        .argParser(durationFlag('--timeout'))
        .default(600_000, '10m'),
    )
    .addOption(
      new Option('--poll-interval <duration>', 'time between status polls').argParser(durationFlag('--poll-interval')),
    )
    .option('--json', 'print one JSON object on stdout');
  addProfileFlag(command, false);
  command.action(
    async (
      runId: number,
      flags: { profile?: string; wait: boolean; timeout: number; pollInterval?: number; json?: boolean },
    ) => {
      const output = context.output(Boolean(flags.json));
      const client = openWorkspace(flags);
      const before = await client.jobs.getRun(runId);
      if (isTerminal(before)) {
        output.line(`run ${runId} had already ended: ${describeRunState(before)}`);
        output.result({ runId, cancelled: false, state: before.state });
        return;
      }
      if (!flags.wait) {
        await client.jobs.cancelRun(runId);
        output.line(`run ${runId}: cancellation requested`);
        output.result({ runId, cancelled: true, state: before.state });
        return;
      }
      const after = await cancelAndWait(client, runId, {
        timeout: flags.timeout,
        pollInterval: flags.pollInterval,
        output,
      });
      output.line(`run ${runId} cancelled: ${describeRunState(after)}`);
      output.result({ runId, cancelled: true, state: after.state });
    },
  );
}

export function registerRuns(program: Command, context: CliContext): void {
  const runs = program
    .command('runs')
    .description('Runs of the Databricks training job: list, attach (wait and finish), cancel.')
    .addHelpText('after', EXAMPLES);
  registerList(runs, context);
  registerAttach(runs, context);
  registerCancel(runs, context);
}
