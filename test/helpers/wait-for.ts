/**
 * Waits for a condition by yielding to the event loop between checks (no timed sleeps): resolves as
 * soon as `condition()` is true, fails after `maxTurns` turns of the loop.
 */
export async function waitFor(condition: () => boolean, what = 'condition', maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Lets pending immediates and microtasks run: one full turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
