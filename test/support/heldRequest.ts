/** A request a stand-in keeps unanswered until the test releases it (a sender caught mid-request). */

/** `arrived` settles when the request came in; `release()` lets the stand-in answer it (or drop it if its sender is gone) and settles after. */
export interface HeldRequest {
  arrived: Promise<void>;
  release(): Promise<void>;
}

/** The stand-in's side: `skip` requests go through first; `pass(handle)` runs `handle` once released. */
export interface Gate {
  skip: number;
  arrived: () => void;
  pass(handle: () => void): void;
}

export function gate(skip: number): { gate: Gate; held: HeldRequest } {
  let arrived = (): void => undefined;
  let open = (): void => undefined;
  let handled = (): void => undefined;
  const a = new Promise<void>((r) => (arrived = r));
  const released = new Promise<void>((r) => (open = r));
  const done = new Promise<void>((r) => (handled = r));
  const pass = (handle: () => void): void => void released.then(() => {
    try {
      handle();
    } finally {
      handled();
    }
  });
  return { gate: { skip, arrived, pass }, held: { arrived: a, release: () => (open(), done) } };
}
