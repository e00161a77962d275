import { GROUP_DIMENSIONS, MAX_GROUP_LEVELS } from '../../../src/reporting/report-model.js';
import type { GroupDimension } from '../api/api-types.js';
import { DIMENSION_LABELS } from '../report/dimension-labels.js';

function move(levels: readonly GroupDimension[], from: number, to: number): GroupDimension[] {
  const next = [...levels];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

/**
 * The ordered grouping levels (at most four): each level can move earlier or later or be
 * removed; a select adds one of the unused dimensions. Every control is a labelled button or
 * select, so the whole chooser works from the keyboard.
 */
export function GroupByChooser({ levels, onChange }: { levels: readonly GroupDimension[]; onChange(levels: GroupDimension[]): void }) {
  const unused = GROUP_DIMENSIONS.filter((dimension) => !levels.includes(dimension));
  const full = levels.length >= MAX_GROUP_LEVELS;
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
              <button type="button" className="chip-button" aria-label={`Move ${label} earlier`} disabled={index === 0} onClick={() => onChange(move(levels, index, index - 1))}>
                <span aria-hidden="true">‹</span>
              </button>
              <button type="button" className="chip-button" aria-label={`Move ${label} later`} disabled={index === levels.length - 1} onClick={() => onChange(move(levels, index, index + 1))}>
                <span aria-hidden="true">›</span>
              </button>
              <button type="button" className="chip-button" aria-label={`Remove ${label}`} data-testid={`groupby-remove-${dimension}`} onClick={() => onChange(levels.filter((d) => d !== dimension))}>
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
        id="groupby-add"
        data-testid="groupby-add"
        value=""
        disabled={full}
        title={full ? `At most ${MAX_GROUP_LEVELS} levels` : undefined}
        onChange={(event) => {
          const added = event.target.value as GroupDimension | '';
          if (added) onChange([...levels, added]);
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
