import { CodiError } from '../errors';

/**
 * Why `text` is binary data shown as text (a NUL anywhere, or over 10 % control characters), or null.
 * The whole text is checked: a NUL after the first few KB must not reach the model either.
 */
export function binaryReason(text: string): string | null {
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return 'it contains NUL bytes';
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  return text.length && control / text.length > 0.1 ? `${Math.round((100 * control) / text.length)}% of it are control characters` : null;
}

/** Rejects input the model should not get: empty, binary, or larger than the configured limit. */
export function checkTextInput(text: string, maxChars: number): void {
  if (!text.trim()) throw new CodiError('bad-input', 'The selection is empty. Select some code first.');
  const binary = binaryReason(text);
  if (binary) throw new CodiError('bad-input', `The selection looks like binary data (${binary}). CODI only sends text.`);
  if (text.length > maxChars) {
    throw new CodiError(
      'bad-input',
      `The selection has ${text.length.toLocaleString('en-US')} characters; the limit is ${maxChars.toLocaleString('en-US')} (setting codi.maxInputChars). Select less code.`,
    );
  }
}
