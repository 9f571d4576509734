import assert from 'node:assert/strict';
import { isUuid } from '../../src/core/ids';
import { threadIdOf } from '../../src/host/runs/threads';

describe('Thread ids of runs', () => {
  const subject = { kind: 'explain', workspace: 'file:///home/me/repo', file: 'src/lru.ts', where: '29-36' };

  it('are the same for a re-ask on the same code, in any window or session (derived, not remembered)', () => {
    const id = threadIdOf(subject);
    assert.equal(threadIdOf({ ...subject }), id);
    assert.ok(isUuid(id), id);
    assert.equal(id[14], '8', 'a UUIDv8 (named, not random)');
    assert.equal(id, threadIdOf(JSON.parse(JSON.stringify(subject)) as typeof subject)); // as after a reload
  });

  it('differ for another command, file, range or workspace', () => {
    const id = threadIdOf(subject);
    const others = [
      { ...subject, kind: 'summarize' },
      { ...subject, file: 'src/lru.test.ts' },
      { ...subject, where: '29-37' },
      { ...subject, workspace: 'file:///home/me/other' },
    ].map(threadIdOf);
    assert.equal(new Set([id, ...others]).size, 5);
  });
});
