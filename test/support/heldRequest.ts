/** A request a stand-in keeps unanswered until the test releases it (a sender caught mid-request). */
/** A request kept unanswered: `arrived` settles when it came in; `release()` answers it (if its sender is still there). */
export interface HeldRequest {
  arrived: Promise<void>;
  release(): void;
}

export interface Gate {
  skip: number;
  arrived: () => void;
  released: Promise<void>;
}

export function gate(skip: number): { gate: Gate; held: HeldRequest } {
  let arrived = (): void => undefined;
  let release = (): void => undefined;
  const a = new Promise<void>((r) => (arrived = r));
  const released = new Promise<void>((r) => (release = r));
  return { gate: { skip, arrived, released }, held: { arrived: a, release } };
}
