/**
 * The views' Refresher (client/views/refresher.ts): a debounced refresh whose request fails (every
 * pending request is rejected when the language server stops or restarts) is no unhandled
 * rejection, and the view asks again when it is next shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Refresher } from '../../client/views/refresher';

class View extends Refresher {
  loads = 0;
  failNext = true;
  data = false;
  constructor() {
    super(0);
  }
  protected async load(): Promise<void> {
    this.loads++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('Pending response rejected since connection got disposed');
    }
    this.data = true;
  }
  protected hasData(): boolean {
    return this.data;
  }
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

test('a debounced refresh that fails is not an unhandled rejection, and the view asks again when shown', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const v = new View();
    v.schedule(0);
    await tick();
    assert.equal(v.loads, 1);
    assert.deepEqual(unhandled, []);
    // Shown again (or the next change): it asks again, and now gets its data.
    v.data = true; // hasData alone would not ask: the failure marked it stale
    v.shown();
    await tick();
    assert.equal(v.loads, 2);
    assert.deepEqual(unhandled, []);
    // A direct refresh still reports its failure to whoever awaits it.
    v.failNext = true;
    await assert.rejects(v.refresh(), /connection got disposed/);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
