/**
 * Waits for a condition by yielding to the event loop between checks (no timed sleeps): resolves as
 * soon as `condition()` is true, fails after `maxTurns` turns of the loop and 15 s, whichever is later.
 */
export async function waitFor(condition: () => boolean, what = 'condition', maxTurns = 10_000): Promise<void> {
  // Turns alone are not enough when the condition waits on real I/O (an fdatasync on a loaded
  // machine can outlast many thousand turns), so give up only when both limits have passed.
  const deadline = Date.now() + 15_000;
  for (let turn = 0; turn < maxTurns || Date.now() < deadline; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Lets pending immediates and microtasks run: one full turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
