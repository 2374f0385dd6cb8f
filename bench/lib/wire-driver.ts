/**
 * The broker's own capacity over loopback: wire-driver-child.ts, a Kafka protocol client that
 * spends almost nothing per record, produces to or fetches from Eddy in a child process. Reported
 * beside the kcat goals, whose figures are bounded by kcat's own CPU on a small machine: this one
 * says how much of raw loopback TCP the broker itself reaches when the client is not the limit.
 */
import { fileURLToPath } from 'node:url';
import { runTsChild } from './child-process.js';
import { median } from './stats.js';

const CHILD = fileURLToPath(new URL('./wire-driver-child.ts', import.meta.url));

/** Where one driver run's time went: wall time from the connection to the last answer, and the broker's CPU meanwhile. */
export interface DriverRun {
  seconds: number;
  /** This process's CPU seconds during the child's whole life (the served Eddy's work). */
  brokerCpuSeconds: number;
}

async function drive(args: readonly string[]): Promise<DriverRun> {
  const run = await runTsChild(CHILD, args);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  const { seconds } = JSON.parse(line) as { seconds: number };
  return { seconds, brokerCpuSeconds: run.ownCpuSeconds };
}

/** Produces `records` values of `valueBytes` to `topic` (acks all, pre-encoded 1 MB batches, 5 in flight). */
export function driveProduce(port: number, topic: string, partitions: number, records: number, valueBytes: number): Promise<DriverRun> {
  return drive(['produce', String(port), topic, String(partitions), String(records), String(valueBytes)]);
}

/** Fetches `records` records from every partition of `topic` from offset 0 (1 MB per partition per Fetch). */
export function driveFetch(port: number, topic: string, partitions: number, records: number): Promise<DriverRun> {
  return drive(['fetch', String(port), topic, String(partitions), String(records)]);
}

/** Medians of several runs, for a goal's progress log. */
export function describeDriverRuns(runs: readonly DriverRun[]): string {
  if (runs.length === 0) return 'no runs';
  return `wall ${median(runs.map((r) => r.seconds)).toFixed(2)} s, broker CPU ${median(runs.map((r) => r.brokerCpuSeconds)).toFixed(2)} s`;
}
