/** "1 trace", "2 traces": a count with its noun, for messages in the host and the webviews. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;
}
