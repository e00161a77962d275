import { describe, expect, it } from 'vitest';
import { focusAfterLevelChange } from './group-level-focus.js';

describe('focusAfterLevelChange', () => {
  it("moves to the previous level's remove button after a level is removed", () => {
    expect(focusAfterLevelChange(['user', 'issue', 'day'], ['user', 'day'], { kind: 'remove', dimension: 'issue' }, 4)).toEqual({ kind: 'remove', dimension: 'user' });
  });

  it('moves to the add-level select after the first level is removed', () => {
    expect(focusAfterLevelChange(['user', 'issue'], ['issue'], { kind: 'remove', dimension: 'user' }, 4)).toEqual({ kind: 'add' });
    expect(focusAfterLevelChange(['user'], [], { kind: 'remove', dimension: 'user' }, 4)).toEqual({ kind: 'add' });
  });

  it('keeps the move button while it can move further, and turns to the other one at either end', () => {
    expect(focusAfterLevelChange(['user', 'issue', 'day'], ['user', 'day', 'issue'], { kind: 'earlier', dimension: 'day' }, 4)).toEqual({ kind: 'earlier', dimension: 'day' });
    expect(focusAfterLevelChange(['user', 'day'], ['day', 'user'], { kind: 'earlier', dimension: 'day' }, 4)).toEqual({ kind: 'later', dimension: 'day' });
    expect(focusAfterLevelChange(['user', 'issue', 'day'], ['issue', 'user', 'day'], { kind: 'later', dimension: 'user' }, 4)).toEqual({ kind: 'later', dimension: 'user' });
    expect(focusAfterLevelChange(['user', 'day'], ['day', 'user'], { kind: 'later', dimension: 'user' }, 4)).toEqual({ kind: 'earlier', dimension: 'user' });
  });

  it("stays on the add-level select, or takes the new level's remove button once the levels are full", () => {
    expect(focusAfterLevelChange(['user'], ['user', 'issue'], { kind: 'add' }, 4)).toEqual({ kind: 'add' });
    expect(focusAfterLevelChange(['user', 'issue', 'day'], ['user', 'issue', 'day', 'project'], { kind: 'add' }, 4)).toEqual({ kind: 'remove', dimension: 'project' });
  });
});
