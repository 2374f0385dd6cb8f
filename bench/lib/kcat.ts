/**
 * kcat (librdkafka's command-line client) driving Eddy over the wire, for the wire-* goals. Runs
 * with librdkafka's defaults except where a goal says otherwise: acks all, no compression, 5 ms
 * linger, batches up to 1 MB / 10,000 messages; the consumer reads every partition without a group.
 * When kcat is not installed the goals report it missing instead of failing.
 */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { runChild } from './child-process.js';
import { findOnPath } from './find-binary.js';
import { median } from './stats.js';

export const KCAT_MISSING = 'kcat not found (apt-get install kcat)';

/** kcat on PATH, or null. */
export function findKcat(): string | null {
  return findOnPath('kcat');
}

/** Records generated per write when building an input file, so no string grows past a few MB. */
const LINES_PER_WRITE = 10_000;

/**
 * Writes kcat's producer input: `records` lines of `valueBytes` random base64 characters, each
 * ending in a newline (kcat's default delimiter, which the payload never contains).
 */
export async function writeKcatInput(path: string, records: number, valueBytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let done = 0; done < records; done += LINES_PER_WRITE) {
      const lines = Math.min(LINES_PER_WRITE, records - done);
      const text = Buffer.from(randomBytes(Math.ceil((lines * valueBytes * 3) / 4) + 3).toString('base64'));
      const out = Buffer.allocUnsafe(lines * (valueBytes + 1));
      for (let i = 0; i < lines; i++) {
        text.copy(out, i * (valueBytes + 1), i * valueBytes, (i + 1) * valueBytes);
        out[i * (valueBytes + 1) + valueBytes] = 0x0a;
      }
      await file.write(out);
    }
  } finally {
    await file.close();
  }
}

/** Where one kcat run's time went: wall time, kcat's CPU, and the CPU this process (the broker) used meanwhile. */
export interface KcatRun {
  /** Spawn to exit. */
  seconds: number;
  /** kcat's user + system CPU seconds; null where the system does not tell. */
  cpuSeconds: number | null;
  /** This process's CPU seconds during the run: the served Eddy's work. */
  brokerCpuSeconds: number;
}

/** Medians of several runs, for a goal's progress log: where the time goes. */
export function describeKcatRuns(runs: readonly KcatRun[]): string {
  if (runs.length === 0) return 'no runs';
  const cpu = runs.map((r) => r.cpuSeconds).filter((c): c is number => c !== null);
  const kcatCpu = cpu.length === 0 ? '?' : median(cpu).toFixed(2);
  return `wall ${median(runs.map((r) => r.seconds)).toFixed(2)} s, kcat CPU ${kcatCpu} s, broker CPU ${median(runs.map((r) => r.brokerCpuSeconds)).toFixed(2)} s`;
}

/** kcat producing every line of `input` to `topic`, each one record, from spawn to exit. */
export async function kcatProduce(kcat: string, bootstrap: string, topic: string, input: string): Promise<KcatRun> {
  const file = await open(input, 'r');
  try {
    const run = await runChild(kcat, ['-P', '-b', bootstrap, '-t', topic], { stdin: file.fd, stdout: 'ignore' });
    return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, brokerCpuSeconds: run.ownCpuSeconds };
  } finally {
    await file.close();
  }
}

/**
 * kcat reading `records` records from every partition of `topic`, from spawn to exit,
 * starting at the beginning, with an empty output format and stdout to /dev/null (kcat does no
 * formatting work). It stops at the count (`-c`) rather than at the end (`-e`): with `-e` alone
 * librdkafka learns of the end only from a fetch that waits out `fetch.wait.max.ms` (500 ms) for
 * data that never comes, on any Kafka broker. `-e` stays as a guard: a topic holding fewer
 * records ends the run early, which is reported as an error.
 */
export async function kcatConsume(kcat: string, bootstrap: string, topic: string, records: number): Promise<KcatRun> {
  const run = await runChild(kcat, ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-c', String(records), '-f', ''], { stdout: 'ignore' });
  // kcat's last "Reached end of topic … : exiting" line means it ran out of records before the count.
  if (/Reached end of topic .*: exiting/.test(run.stderr)) throw new Error(`kcat reached the end of ${topic} before ${records} records:\n${run.stderr}`);
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, brokerCpuSeconds: run.ownCpuSeconds };
}
