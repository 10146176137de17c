import { CliError } from '@fraudops/cli';
import {
  commitThatRan,
  JOB_PARAMETER_DEFAULTS,
  pinnedRunRequest,
  trainingJobSettings,
  TRAIN_SCRIPT,
} from '../pipeline/databricks-job.js';
import { runOutputDir } from '../pipeline/databricks-train.js';
import { codeSource, computeSpec, httpsGitUrl } from './deploy-job.js';

// The job as code: what deploy-job sends (the end-to-end test deploys it to the workspace emulator).

const base = {
  jobName: 'fraudops-train',
  compute: 'serverless' as const,
  environmentVersion: '2',
  sparkVersion: '15.4.x-cpu-ml-scala2.12',
  workers: 1,
  maxConcurrentRuns: 4,
  jobTimeout: 3600,
};

describe('the training job settings', () => {
  it('bind every train.py flag to a job parameter of the same meaning, pinned to a commit, on serverless compute', () => {
    const settings = trainingJobSettings({
      name: 'fraudops-train',
      code: { kind: 'git', url: 'https://github.com/acme/fraudops.git', provider: 'gitHub', commit: 'abc1234' },
      compute: { kind: 'serverless', environmentVersion: '2' },
    });
    expect(settings.git_source).toEqual({
      git_url: 'https://github.com/acme/fraudops.git',
      git_provider: 'gitHub',
      git_commit: 'abc1234',
    });
    const task = settings.tasks?.[0];
    expect(task?.spark_python_task?.python_file).toBe(TRAIN_SCRIPT);
    expect(task?.spark_python_task?.source).toBe('GIT');
    const args = task?.spark_python_task?.parameters ?? [];
    expect(args.slice(0, 4)).toEqual([
      '--train-table',
      '{{job.parameters.train_table}}',
      '--validation-table',
      '{{job.parameters.validation_table}}',
    ]);
    // every reference names a defined parameter, and every flag takes exactly one value
    const referenced = args.filter((_, i) => i % 2 === 1).map((a) => /^\{\{job\.parameters\.(\w+)\}\}$/.exec(a)?.[1]);
    expect(referenced.every((name) => name !== undefined && name in JOB_PARAMETER_DEFAULTS)).toBe(true);
    expect(settings.parameters?.map((p) => p.name)).toEqual(Object.keys(JOB_PARAMETER_DEFAULTS));
    expect(task?.environment_key).toBe('train');
    expect(settings.environments).toEqual([
      { environment_key: 'train', spec: { environment_version: '2', dependencies: ['xgboost>=1.7,<3'] } },
    ]);
    expect(settings).toMatchObject({ max_concurrent_runs: 4, queue: { enabled: true }, timeout_seconds: 14_400 });
  });

  it('runs the script of a workspace folder on a job cluster, or on an existing cluster', () => {
    const cluster = trainingJobSettings({
      name: 'x',
      code: { kind: 'path', root: '/Repos/ci/fraudops/' },
      compute: { kind: 'cluster', sparkVersion: '15.4.x-cpu-ml-scala2.12', nodeType: 'i3.xlarge', workers: 2 },
    });
    expect(cluster.git_source).toBeUndefined();
    expect(cluster.tasks?.[0].spark_python_task).toMatchObject({
      python_file: `/Repos/ci/fraudops/${TRAIN_SCRIPT}`,
      source: 'WORKSPACE',
    });
    expect(cluster.tasks?.[0].job_cluster_key).toBe('train');
    // Dedicated access mode: the cluster can read the feature views and write to /Volumes under Unity Catalog.
    expect(cluster.job_clusters).toEqual([
      {
        job_cluster_key: 'train',
        new_cluster: {
          spark_version: '15.4.x-cpu-ml-scala2.12',
          node_type_id: 'i3.xlarge',
          num_workers: 2,
          data_security_mode: 'SINGLE_USER',
        },
      },
    ]);
    expect(cluster.tasks?.[0].libraries).toEqual([{ pypi: { package: 'xgboost>=1.7,<3' } }]);

    const existing = trainingJobSettings({
      name: 'x',
      code: { kind: 'path', root: '/Repos/ci/fraudops' },
      compute: { kind: 'existing', clusterId: '0101-abc' },
    });
    expect(existing.tasks?.[0].existing_cluster_id).toBe('0101-abc');
    expect(existing.job_clusters).toBeUndefined();
  });
});

describe('a launch pinned to its commit', () => {
  const parameters = {
    ...JOB_PARAMETER_DEFAULTS,
    output_dir: '/Volumes/main/fraud/runs/t-1',
    train_table: 'main.fraud.f_train',
  };

  it("is a one-time run of the job's definition: tasks, compute and timeout as deployed, code at the commit, parameters as arguments", () => {
    const settings = trainingJobSettings({
      name: 'fraudops-train',
      code: { kind: 'git', url: 'https://github.com/acme/fraudops.git', provider: 'gitHub', branch: 'main' },
      compute: { kind: 'cluster', sparkVersion: '15.4.x-cpu-ml-scala2.12', nodeType: 'i3.xlarge', workers: 2 },
    });
    const request = pinnedRunRequest(settings, 'c0ffee1234', parameters);
    expect(request.git_source).toEqual({
      git_url: 'https://github.com/acme/fraudops.git',
      git_provider: 'gitHub',
      git_commit: 'c0ffee1234',
    });
    expect(request.run_name).toBe('fraudops-train @ c0ffee1234');
    expect(request.timeout_seconds).toBe(14_400);
    const task = request.tasks[0];
    expect(task.job_cluster_key).toBeUndefined();
    expect(task['new_cluster']).toEqual(settings.job_clusters?.[0].new_cluster);
    const args = task.spark_python_task?.parameters ?? [];
    expect(args.slice(0, 2)).toEqual(['--train-table', 'main.fraud.f_train']);
    expect(args.join(' ')).not.toContain('{{');
    expect(
      runOutputDir({
        run_id: 1,
        state: { life_cycle_state: 'RUNNING' },
        tasks: [{ ...task, run_id: 2, state: { life_cycle_state: 'RUNNING' } }],
      }),
    ).toBe('/Volumes/main/fraud/runs/t-1');
  });

  it('needs a job whose code comes from Git, and records the commit Databricks reports', () => {
    const path = trainingJobSettings({
      name: 'x',
      code: { kind: 'path', root: '/Repos/ci/fraudops' },
      compute: { kind: 'serverless', environmentVersion: '2' },
    });
    expect(() => pinnedRunRequest(path, 'c0ffee1234', parameters)).toThrow(
      /--pin-commit needs a job whose code comes from Git/,
    );
    const run = { run_id: 1, state: { life_cycle_state: 'TERMINATED' as const } };
    expect(
      commitThatRan({
        ...run,
        git_source: {
          git_url: 'u',
          git_provider: 'gitHub',
          git_branch: 'main',
          git_snapshot: { used_commit: 'abcdef1' },
        },
      }),
    ).toBe('abcdef1');
    expect(commitThatRan({ ...run, git_source: { git_url: 'u', git_provider: 'gitHub', git_commit: '1234567' } })).toBe(
      '1234567',
    );
    expect(commitThatRan(run)).toBeUndefined();
  });
});

describe('deploy-job flags', () => {
  it('turns an SSH remote into the HTTPS URL Databricks clones, and guesses the provider', () => {
    expect(httpsGitUrl('git@github.com:acme/fraudops.git')).toBe('https://github.com/acme/fraudops.git');
    expect(codeSource({ ...base, gitUrl: 'git@gitlab.com:acme/fraudops.git' })).toEqual({
      kind: 'git',
      url: 'https://gitlab.com/acme/fraudops.git',
      provider: 'gitLab',
      branch: 'main',
    });
    expect(codeSource({ ...base, gitUrl: 'https://github.com/acme/x.git', gitTag: 'v1' })).toMatchObject({ tag: 'v1' });
  });

  it('refuses two references, a malformed commit, an unknown provider, a cluster without a node type', () => {
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return { code: (error as CliError).exitCode, message: (error as Error).message };
      }
      return undefined;
    };
    expect(
      refused(() =>
        codeSource({ ...base, gitUrl: 'https://github.com/a/b.git', gitBranch: 'main', gitCommit: 'abc1234' }),
      ),
    ).toEqual({ code: 2, message: 'pass one of --git-branch, --git-tag or --git-commit' });
    expect(
      refused(() => codeSource({ ...base, gitUrl: 'https://github.com/a/b.git', gitCommit: 'HEAD' }))?.message,
    ).toBe('--git-commit must be a hex commit id, got "HEAD"');
    expect(refused(() => codeSource({ ...base, gitUrl: 'https://git.example.com/a/b.git' }))?.message).toMatch(
      /^cannot tell the Git provider of https:\/\/git.example.com\/a\/b.git: pass --git-provider/,
    );
    expect(refused(() => codeSource({ ...base, codePath: '/Repos/x', gitBranch: 'main' }))?.code).toBe(2);
    expect(refused(() => computeSpec({ ...base, compute: 'cluster' }))?.message).toContain(
      '--compute cluster needs --node-type',
    );
  });
});
