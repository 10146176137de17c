/**
 * Dynamic value references in task parameters (`{{job.parameters.date}}`, `{{job.run_id}}`, …): job
 * parameters reach a Python script task only through them, as on Databricks (they are pushed down
 * automatically only to key-value tasks such as notebooks).
 */
export class UnknownReferenceError extends Error {}

const REFERENCE = /\{\{\s*([^{}]+?)\s*\}\}/g;

export function resolveReferences(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(REFERENCE, (_, name: string) => {
    const key = name.replace(/`/g, '');
    const value = values[key];
    if (value === undefined) {
      const known = Object.keys(values)
        .sort()
        .map((k) => `{{${k}}}`)
        .join(', ');
      throw new UnknownReferenceError(`Unknown dynamic value reference {{${name}}}. Known here: ${known}.`);
    }
    return value;
  });
}

export interface ReferenceContext {
  jobId?: number;
  jobName: string;
  runId: number;
  taskKey: string;
  taskRunId: number;
  startTime: number;
  jobParameters: Readonly<Record<string, string>>;
}

export function referenceValues(ref: ReferenceContext): Record<string, string> {
  const values: Record<string, string> = {
    'job.run_id': String(ref.runId),
    'job.name': ref.jobName,
    'job.start_time.iso_datetime': new Date(ref.startTime).toISOString(),
    'job.start_time.timestamp_ms': String(ref.startTime),
    'job.trigger.type': 'one_time',
    'task.name': ref.taskKey,
    'task.run_id': String(ref.taskRunId),
  };
  if (ref.jobId !== undefined) values['job.id'] = String(ref.jobId);
  for (const [name, value] of Object.entries(ref.jobParameters)) values[`job.parameters.${name}`] = value;
  return values;
}
