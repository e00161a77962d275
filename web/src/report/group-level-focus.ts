import type { GroupDimension } from '../api/api-types.js';

/** A control of the grouping chooser: a level's move or remove button, or the "add level" select. */
export type LevelControl = { kind: 'earlier' | 'later' | 'remove'; dimension: GroupDimension } | { kind: 'add' };

/**
 * Where the focus goes after the control `pressed` changed the levels from `before` to `after`,
 * so a keyboard user stays where they were instead of at the top of the page:
 * - remove: the previous level's remove button, or the "add level" select for the first level;
 * - move earlier/later: the same button while it can move the level further, else the button
 *   that moves it back (the pressed one is disabled at either end);
 * - add: the "add level" select, or the new level's remove button once the levels are full
 *   (the select is disabled then).
 * Pure and total: any change yields a control that exists and is enabled in `after`.
 */
export function focusAfterLevelChange(before: readonly GroupDimension[], after: readonly GroupDimension[], pressed: LevelControl, maxLevels: number): LevelControl {
  if (pressed.kind === 'add') {
    const added = after[after.length - 1];
    return after.length >= maxLevels && added ? { kind: 'remove', dimension: added } : { kind: 'add' };
  }
  const { dimension } = pressed;
  if (pressed.kind === 'remove') {
    const previous = before[before.indexOf(dimension) - 1];
    return previous && after.includes(previous) ? { kind: 'remove', dimension: previous } : { kind: 'add' };
  }
  const index = after.indexOf(dimension);
  if (pressed.kind === 'earlier') return index > 0 ? pressed : { kind: 'later', dimension };
  return index < after.length - 1 ? pressed : { kind: 'earlier', dimension };
}
