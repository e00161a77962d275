import { describe, expect, it } from 'vitest';
import type { SummaryGroup } from '../api/api-types.js';
import { expandableIds, visibleRows } from './summary-tree.js';

const groups: SummaryGroup[] = [
  {
    dimension: 'project', key: '1', label: 'A Alpha', seconds: 7200, worklogs: 2,
    children: [
      { dimension: 'user', key: 'u1', label: 'Ann', seconds: 3600, worklogs: 1 },
      { dimension: 'user', key: 'u2', label: 'Bob', seconds: 3600, worklogs: 1 },
    ],
  },
  { dimension: 'project', key: '2', label: 'B Beta', seconds: 1800, worklogs: 1, children: [{ dimension: 'user', key: 'u1', label: 'Ann', seconds: 1800, worklogs: 1 }] },
];

describe('summary tree', () => {
  it('shows top-level groups collapsed, and children under expanded ones', () => {
    expect(visibleRows(groups, new Set()).map((r) => r.group.label)).toEqual(['A Alpha', 'B Beta']);
    const [first] = visibleRows(groups, new Set());
    const rows = visibleRows(groups, new Set([first!.id]));
    expect(rows.map((r) => `${r.level}:${r.group.label}`)).toEqual(['1:A Alpha', '2:Ann', '2:Bob', '1:B Beta']);
    expect(rows[0]).toMatchObject({ expanded: true, hasChildren: true, position: 1, siblings: 2 });
  });

  it('gives the same user under two projects different ids', () => {
    const rows = visibleRows(groups, expandableIds(groups));
    const ann = rows.filter((r) => r.group.key === 'u1');
    expect(ann).toHaveLength(2);
    expect(new Set(ann.map((r) => r.id)).size).toBe(2);
  });
});
