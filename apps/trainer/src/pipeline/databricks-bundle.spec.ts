import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLE_FILES, BUNDLE_JOB_KEY, bundleFiles, bundleJobSettings } from './databricks-bundle.js';
import { trainingJobSettings, TRAIN_SCRIPT } from './databricks-job.js';

const ROOT = resolve(__dirname, '../../../..');

/** A YAML file as Debian's python3-yaml reads it (what the Databricks CLI's parser must agree with). */
async function parseYaml(path: string): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)('/usr/bin/python3', [
    '-c',
    'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
    path,
  ]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the Databricks Asset Bundle', () => {
  it('is committed exactly as generated from the job definition (regenerate: npm run train -- bundle --out .)', async () => {
    for (const [file, text] of Object.entries(bundleFiles()))
      expect(await readFile(join(ROOT, file), 'utf8')).toBe(text);
  });

  it('declares the job deploy-job sends, plus notifications and permissions', async () => {
    const parsed = (await parseYaml(join(ROOT, BUNDLE_FILES.job))) as {
      resources: { jobs: Record<string, Record<string, unknown>> };
    };
    const { email_notifications, permissions, ...job } = parsed.resources.jobs[BUNDLE_JOB_KEY];
    expect(job).toEqual(JSON.parse(JSON.stringify(bundleJobSettings())));
    expect(email_notifications).toEqual({ on_failure: ['${var.alert_email}'] });
    expect(permissions).toEqual([
      { level: 'CAN_MANAGE_RUN', group_name: '${var.operators_group}' },
      { level: 'CAN_VIEW', group_name: 'users' },
    ]);
    // deploy-job's settings for the same compute differ only in where the script comes from.
    const deployed = trainingJobSettings({
      name: 'fraudops-train',
      code: { kind: 'git', url: 'https://github.com/acme/fraudops.git', provider: 'gitHub', commit: 'abc1234' },
      compute: { kind: 'serverless', environmentVersion: '2' },
    });
    const { git_source, tasks, ...rest } = deployed;
    expect(git_source).toBeDefined();
    const bundled = bundleJobSettings();
    expect({ ...bundled, tasks: undefined }).toEqual({ ...rest, tasks: undefined });
    expect(
      bundled.tasks?.map(({ spark_python_task, ...t }) => ({ ...t, parameters: spark_python_task?.parameters })),
    ).toEqual(tasks?.map(({ spark_python_task, ...t }) => ({ ...t, parameters: spark_python_task?.parameters })));
    expect(bundled.tasks?.[0].spark_python_task?.python_file).toBe(`../${TRAIN_SCRIPT}`);
  });

  it('has dev, staging and prod targets; staging and prod run as the service principal', async () => {
    const root = (await parseYaml(join(ROOT, BUNDLE_FILES.root))) as {
      include: string[];
      targets: Record<string, Record<string, unknown>>;
    };
    expect(root.include).toEqual(['resources/*.yml']);
    expect(Object.keys(root.targets)).toEqual(['dev', 'staging', 'prod']);
    expect(root.targets['dev']).toEqual({ mode: 'development', default: true });
    for (const target of ['staging', 'prod']) {
      expect(root.targets[target]).toMatchObject({
        mode: 'production',
        run_as: { service_principal_name: '${var.service_principal}' },
      });
    }
  });
});
