// Fault injection at the file-system boundary, for CLI tests where a full or read-only disk cannot be
// mounted: loaded into the codi child process with NODE_OPTIONS=--require <this file>.
//
//   CODI_TEST_FS_FAULT        errno to fail with: ENOSPC (disk full), EROFS, EACCES…
//   CODI_TEST_FS_FAULT_MATCH  a regular expression; only paths that match fail
//
// Writes (fs.promises.open for writing, FileHandle write/sync/writeFile, fs.writeSync on such a handle's
// fd, fs.promises.writeFile, mkdir) fail the way the kernel fails them: ENOSPC on the write, EROFS and
// EACCES already on the open. Reads are untouched.
const fs = require('node:fs');

const code = process.env.CODI_TEST_FS_FAULT;
const match = new RegExp(process.env.CODI_TEST_FS_FAULT_MATCH || '.');
const MESSAGES = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied', EDQUOT: 'disk quota exceeded' };

function fault(syscall, path) {
  const e = new Error(`${code}: ${MESSAGES[code] || 'injected failure'}, ${syscall} '${path}'`);
  e.code = code;
  e.errno = -28;
  e.syscall = syscall;
  e.path = path;
  return e;
}

const writing = (flags) => typeof flags === 'string' && /[wax+]/.test(flags);
const failsAtOpen = code !== 'ENOSPC' && code !== 'EDQUOT';

if (code) {
  const faultyFds = new Set();
  const p = fs.promises;
  const open = p.open.bind(p);
  p.open = async (path, flags, mode) => {
    const hit = writing(flags) && match.test(String(path));
    if (hit && failsAtOpen) throw fault('open', path);
    const fh = await open(path, flags, mode);
    if (hit) {
      faultyFds.add(fh.fd);
      for (const m of ['write', 'writev', 'writeFile', 'appendFile', 'sync', 'datasync']) fh[m] = async () => Promise.reject(fault(m, path));
      const close = fh.close.bind(fh);
      fh.close = () => (faultyFds.delete(fh.fd), close());
    }
    return fh;
  };
  const writeFile = p.writeFile.bind(p);
  p.writeFile = async (path, data, opts) => (match.test(String(path)) ? Promise.reject(fault('write', path)) : writeFile(path, data, opts));
  if (failsAtOpen) {
    const mkdir = p.mkdir.bind(p);
    p.mkdir = async (path, opts) => (match.test(String(path)) && !fs.existsSync(path) ? Promise.reject(fault('mkdir', path)) : mkdir(path, opts));
  }
  const writeSync = fs.writeSync;
  fs.writeSync = function (fd, ...rest) {
    if (faultyFds.has(fd)) throw fault('write', `fd ${fd}`);
    return writeSync.call(this, fd, ...rest);
  };
}
