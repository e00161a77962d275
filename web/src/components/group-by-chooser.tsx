import { useLayoutEffect, useRef } from 'react';
import { GROUP_DIMENSIONS, MAX_GROUP_LEVELS } from '../../../src/reporting/report-model.js';
import type { GroupDimension } from '../api/api-types.js';
import { DIMENSION_LABELS } from '../report/dimension-labels.js';
import { focusAfterLevelChange, type LevelControl } from '../report/group-level-focus.js';

function move(levels: readonly GroupDimension[], from: number, to: number): GroupDimension[] {
  const next = [...levels];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

function controlKey(control: LevelControl): string {
  return control.kind === 'add' ? 'add' : `${control.kind}:${control.dimension}`;
}

/**
 * The ordered grouping levels (at most four): each level can move earlier or later or be
 * removed; a select adds one of the unused dimensions. Every control is a labelled button or
 * select, so the whole chooser works from the keyboard.
 *
 * A change never drops the focus to the top of the page: the control pressed may disappear
 * (remove), be moved in the DOM (React re-inserts a moved chip, which blurs it) or become
 * disabled (first/last, four levels), so after each change the focus goes where
 * `focusAfterLevelChange` says — the same control when it still works, else its nearest
 * sensible neighbour.
 */
export function GroupByChooser({ levels, onChange }: { levels: readonly GroupDimension[]; onChange(levels: GroupDimension[]): void }) {
  const unused = GROUP_DIMENSIONS.filter((dimension) => !levels.includes(dimension));
  const full = levels.length >= MAX_GROUP_LEVELS;
  const controls = useRef(new Map<string, HTMLElement>());
  const pending = useRef<LevelControl | undefined>(undefined);
  const register = (control: LevelControl) => (element: HTMLElement | null) => {
    if (element) controls.current.set(controlKey(control), element);
    else controls.current.delete(controlKey(control));
  };
  const change = (next: GroupDimension[], pressed: LevelControl) => {
    pending.current = focusAfterLevelChange(levels, next, pressed, MAX_GROUP_LEVELS);
    onChange(next);
  };
  useLayoutEffect(() => {
    const target = pending.current;
    pending.current = undefined;
    if (target) controls.current.get(controlKey(target))?.focus();
  }, [levels]);

  return (
    <fieldset className="control-group group-by" data-testid="groupby" data-levels={levels.join(',')}>
      <legend>Group by</legend>
      <ol className="chips">
        {levels.map((dimension, index) => {
          const label = DIMENSION_LABELS[dimension];
          return (
            <li key={dimension} className="chip" data-testid={`groupby-level-${index}`} data-dimension={dimension}>
              <span className="chip-label">
                <span className="chip-order" aria-hidden="true">
                  {index + 1}
                </span>
                {label}
              </span>
              <button
                ref={register({ kind: 'earlier', dimension })}
                type="button"
                className="chip-button"
                aria-label={`Move ${label} earlier`}
                data-testid={`groupby-earlier-${dimension}`}
                disabled={index === 0}
                onClick={() => change(move(levels, index, index - 1), { kind: 'earlier', dimension })}
              >
                <span aria-hidden="true">‹</span>
              </button>
              <button
                ref={register({ kind: 'later', dimension })}
                type="button"
                className="chip-button"
                aria-label={`Move ${label} later`}
                data-testid={`groupby-later-${dimension}`}
                disabled={index === levels.length - 1}
                onClick={() => change(move(levels, index, index + 1), { kind: 'later', dimension })}
              >
                <span aria-hidden="true">›</span>
              </button>
              <button
                ref={register({ kind: 'remove', dimension })}
                type="button"
                className="chip-button"
                aria-label={`Remove ${label}`}
                data-testid={`groupby-remove-${dimension}`}
                onClick={() => change(levels.filter((d) => d !== dimension), { kind: 'remove', dimension })}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          );
        })}
      </ol>
      <label className="visually-hidden" htmlFor="groupby-add">
        Add a grouping level
      </label>
      <select
        ref={register({ kind: 'add' })}
        id="groupby-add"
        data-testid="groupby-add"
        value=""
        disabled={full}
        title={full ? `At most ${MAX_GROUP_LEVELS} levels` : undefined}
        onChange={(event) => {
          const added = event.target.value as GroupDimension | '';
          if (added) change([...levels, added], { kind: 'add' });
        }}
      >
        <option value="">{full ? `${MAX_GROUP_LEVELS} levels at most` : '+ Add level'}</option>
        {unused.map((dimension) => (
          <option key={dimension} value={dimension}>
            {DIMENSION_LABELS[dimension]}
          </option>
        ))}
      </select>
    </fieldset>
  );
}
