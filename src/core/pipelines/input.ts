import { CodiError } from '../errors';

/** Rejects input the model should not get: empty, binary, or larger than the configured limit. */
export function checkTextInput(text: string, maxChars: number): void {
  if (!text.trim()) throw new CodiError('bad-input', 'The selection is empty. Select some code first.');
  // NUL bytes or a high share of control characters mean a binary file shown as text. The whole text is
  // checked: a NUL after the first few KB must not reach the model either.
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) throw new CodiError('bad-input', 'The selection looks like binary data (it contains NUL bytes). CODI only sends text.');
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  if (control / text.length > 0.1) throw new CodiError('bad-input', 'The selection looks like binary data. CODI only sends text.');
  if (text.length > maxChars) {
    throw new CodiError(
      'bad-input',
      `The selection has ${text.length.toLocaleString('en-US')} characters; the limit is ${maxChars.toLocaleString('en-US')} (setting codi.maxInputChars). Select less code.`,
    );
  }
}
