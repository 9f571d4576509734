/**
 * Reading the CLI's input files, so that nothing unreadable, unbounded or binary reaches a model:
 * stat first (regular files only: a FIFO or a device would block or never end), the size limit before
 * reading, a bounded read, BOM-aware decoding (UTF-8, UTF-16LE/BE), strict UTF-8 (no replacement
 * characters are ever sent), and the binary check over the whole text. Every refusal names the file.
 */
import { constants, promises as fs } from 'node:fs';
import { CodiError } from '../core/errors';
import { binaryReason } from '../core/pipelines/input';

/** Files above this are refused before they are read (summarize's own limit is 4,000,000 characters). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function decodeUtf16(bytes: Buffer, bigEndian: boolean, name: string): string {
  if (bytes.length % 2) throw new CodiError('bad-input', `${name} starts like UTF-16 text but has an odd number of bytes; it is damaged or not text.`);
  const le = bigEndian ? Buffer.from(bytes).swap16() : bytes;
  const text = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(le);
  return text;
}

/** The likely encoding of bytes that are not valid UTF-8, for the refusal message. */
function guessEncoding(bytes: Buffer): string {
  let zeroEven = 0;
  let zeroOdd = 0;
  let high = 0;
  const n = Math.min(bytes.length, 65_536);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0 && i % 2) zeroOdd++;
    else if (b === 0) zeroEven++;
    else if (b >= 0x80) high++;
  }
  if (zeroOdd > n / 8 && zeroEven < n / 64) return 'UTF-16LE without a byte order mark';
  if (zeroEven > n / 8 && zeroOdd < n / 64) return 'UTF-16BE without a byte order mark';
  if (high > 0) return 'a single-byte encoding such as Latin-1 or Windows-1252';
  return 'not UTF-8';
}

/** Bytes as text: by BOM (UTF-8, UTF-16LE/BE), else strict UTF-8; anything else is refused, never patched. */
export function decodeText(bytes: Buffer, name: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16Checked(bytes.subarray(2), false, name);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16Checked(bytes.subarray(2), true, name);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    if (bytes.includes(0)) throw binary(name);
    throw new CodiError('bad-input', `${name} is not UTF-8 text (it looks like ${guessEncoding(bytes)}). Convert it first, e.g. \`iconv -f WINDOWS-1252 -t UTF-8 ${name} > ${name}.utf8\`; CODI never sends text with replaced characters.`);
  }
}

function decodeUtf16Checked(bytes: Buffer, bigEndian: boolean, name: string): string {
  try {
    return decodeUtf16(bytes, bigEndian, name);
  } catch (e) {
    if (e instanceof CodiError) throw e;
    throw new CodiError('bad-input', `${name} has a UTF-16${bigEndian ? 'BE' : 'LE'} byte order mark but is not valid UTF-16 text.`);
  }
}

const binary = (name: string) => new CodiError('bad-input', `${name} looks like binary data (it contains NUL bytes). CODI only sends text.`);

/** Refuses text that is binary in disguise: a NUL anywhere, or mostly control characters. */
export function checkNotBinary(text: string, name: string): void {
  const why = binaryReason(text);
  if (why) throw new CodiError('bad-input', `${name} looks like binary data (${why}). CODI only sends text.`);
}

/**
 * Reads `path` (shown to the user as `name`) as text: a regular file of at most `maxBytes`, read with a
 * bounded read (a file that grows while being read is refused too), decoded strictly, checked for binary.
 */
export async function readTextFile(path: string, name: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const st = await fs.stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new CodiError('bad-input', `Cannot read ${name}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}.`);
  });
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new CodiError('bad-input', `${name} is ${what}; give a regular file.`);
  }
  if (st.size > maxBytes) throw new CodiError('bad-input', `${name} is ${mb(st.size)}; the limit is ${mb(maxBytes)}. Give a line range (${name}:<start>-<end>) or a smaller file.`);
  // O_NONBLOCK: if the file was swapped for a FIFO since the stat, the open must not wait for a writer.
  const fh = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - got));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      parts.push(chunk.subarray(0, bytesRead));
      got += bytesRead;
      if (got > maxBytes) throw new CodiError('bad-input', `${name} grew past the limit of ${mb(maxBytes)} while it was read.`);
    }
    const text = decodeText(Buffer.concat(parts, got), name);
    checkNotBinary(text, name);
    return text;
  } finally {
    await fh.close();
  }
}
