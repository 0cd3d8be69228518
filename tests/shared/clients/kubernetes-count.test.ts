// A Kubernetes list page's items are counted in its text, before anything is parsed: the
// count must be JSON.parse's, whatever the items hold (nested lists, brackets and quotes
// inside strings, whitespace), and 0 for anything that is not a list.
import { describe, expect, it } from 'vitest';
import { countListItems } from '../../../shared/clients/kubernetes.ts';

const tricky = (i: number) => ({
  metadata: { name: `p${i}`, annotations: { note: `a "quoted" ] , [ { } \\ ${i}` } },
  spec: { containers: [{ args: ['[', ']', ','] }], nodeName: i % 2 ? '' : 'n' },
  items: [1, 2, 3],
});

describe('countListItems', () => {
  it.each([0, 1, 2, 7, 100])('counts %i items, compact and indented, as JSON.parse does', (n) => {
    const list = {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { continue: 'items[' },
      items: Array.from({ length: n }, (_, i) => tricky(i)),
    };
    expect(countListItems(JSON.stringify(list))).toBe(n);
    expect(countListItems(JSON.stringify(list, null, 2))).toBe(n);
  });

  it('counts items of any kind, and finds "items" after other keys with array values', () => {
    expect(countListItems('{"other":[1,2,3,4],"items":["a,b",{"x":[1,2]},3,null]}')).toBe(4);
    expect(countListItems('{"kind":"items","items":[ ]}')).toBe(0);
  });

  it('is 0 for what is not a list: JSON.parse judges it', () => {
    for (const text of ['', 'not json', '[1,2,3]', '{"kind":"Status","code":500}', '{"items":']) expect(countListItems(text)).toBe(0);
  });

  it('counts 250,000 minimal pods (a server ignoring limit) without building them', () => {
    const text = JSON.stringify({ items: Array.from({ length: 250_000 }, (_, i) => ({ metadata: { name: `p${i}` } })) });
    expect(countListItems(text)).toBe(250_000);
  });
});
