/**
 * Tests that need a program from a Debian package: on a developer machine without it they are
 * skipped with a title naming the package; under CI (CI=true) a missing program is a failure, because
 * CI installs everything and nothing may be skipped there.
 */
import { execFileSync } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';

export function findBinary(name: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

type Impl = (t: ExecutionContext) => void | Promise<void>;

/** `test` when `binary` is on PATH; otherwise a skipped test (or, under CI, a failing one) saying what to install. */
export function testWithBinary(binary: string, debianPackage: string): (title: string, impl: Impl) => void {
  if (findBinary(binary) !== null) return (title, impl) => test(title, impl);
  const hint = `needs ${binary}: apt-get install ${debianPackage}`;
  if (process.env['CI'] === 'true') {
    return (title) => test(`${title} (${hint})`, (t) => t.fail(`${binary} is not installed; CI must install ${debianPackage}`));
  }
  return (title, impl) => test.skip(`${title} (skipped: ${hint})`, impl);
}
