import type { Command } from 'commander';

/** `npm start`: the main job on embedded defaults. Grows into train-if-needed + serve. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('The main job on embedded defaults (what `npm start` runs).')
    .action(() => {
      process.stdout.write(
        'fraudops: the workspace is built (apps, libs and tools compile, lint and test).\n' +
          'Nothing was trained or served: the training pipeline and the scoring API are not built yet.\n',
      );
    });
}
