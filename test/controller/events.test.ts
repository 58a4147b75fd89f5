// Event names and notes as the apiserver takes them: deterministic names per outcome, notes cut to
// 1024 bytes of UTF-8 (not characters), MicroTime with microseconds.

import t from 'tap';
import { eventName, microTime, noteOf } from '../../src/controller/events.ts';

t.test('one name per pod, reason and key; valid and bounded', async (t) => {
  const pod = { name: 'dataloader-29384756-abcde', namespace: 'ns', uid: 'u-1' };
  const a = eventName({ pod, reason: 'Killing', key: 'u-1/vks-sidecar/0/0' });
  t.equal(a, eventName({ pod, reason: 'Killing', key: 'u-1/vks-sidecar/0/0' }), 'the same outcome, the same name');
  t.not(a, eventName({ pod, reason: 'Killing', key: 'u-1/vks-sidecar/1/0' }), 'another container instance, another name');
  t.not(a, eventName({ pod, reason: 'ShutdownFailed', key: 'u-1/vks-sidecar/0/0' }));
  t.match(a, /^dataloader-29384756-abcde\.hahaha\.[0-9a-f]{16}$/);
  t.ok(eventName({ pod: { ...pod, name: 'x'.repeat(253) }, reason: 'Killing', key: 'k' }).length <= 253);
});

t.test('notes are cut at 1024 bytes of UTF-8 on a character boundary', async (t) => {
  t.equal(noteOf('short'), 'short');
  const wide = 'æ'.repeat(1000); // 2000 bytes
  const cut = noteOf(wide);
  t.ok(Buffer.byteLength(cut) <= 1024, `${Buffer.byteLength(cut)} bytes`);
  t.ok(cut.endsWith('…'));
  t.notMatch(cut, /\uFFFD/, 'no broken character');
});

t.test('MicroTime has six fractional digits', async (t) => {
  t.equal(microTime(new Date('2026-11-26T10:00:00.123Z')), '2026-11-26T10:00:00.123000Z');
});
