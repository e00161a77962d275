import { useMemo } from 'react';
import { PRESET_LABELS, RANGE_PRESETS, type DateRange, type RangePreset } from '../report/date-range.js';

/** The zones offered: every IANA zone the browser knows, plus the current one and UTC. */
function timeZoneOptions(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([current, 'UTC', ...known])].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

export interface RangeControlsProps {
  preset: RangePreset;
  range: DateRange;
  timeZone: string;
  /** Why the typed range is not usable, shown beside the dates. */
  problem: string | undefined;
  onPreset(preset: RangePreset): void;
  onRange(range: DateRange): void;
  onTimeZone(timeZone: string): void;
}

/** Period (preset or custom dates) and the report's time zone, which decides each work date. */
export function RangeControls(props: RangeControlsProps) {
  const zones = useMemo(() => timeZoneOptions(props.timeZone), [props.timeZone]);
  return (
    <fieldset className="control-group range-controls">
      <legend>Period</legend>
      <div className="field">
        <label htmlFor="range-preset">Dates</label>
        <select id="range-preset" data-testid="range-preset" value={props.preset} onChange={(event) => props.onPreset(event.target.value as RangePreset)}>
          {RANGE_PRESETS.map((preset) => (
            <option key={preset} value={preset}>
              {PRESET_LABELS[preset]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="range-from">From</label>
        <input id="range-from" data-testid="range-from" type="date" value={props.range.from} aria-invalid={props.problem !== undefined} onChange={(event) => props.onRange({ ...props.range, from: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="range-to">To</label>
        <input id="range-to" data-testid="range-to" type="date" value={props.range.to} aria-invalid={props.problem !== undefined} onChange={(event) => props.onRange({ ...props.range, to: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="time-zone">Time zone</label>
        <select id="time-zone" data-testid="timezone" value={props.timeZone} onChange={(event) => props.onTimeZone(event.target.value)}>
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </div>
      {props.problem && (
        <p className="field-problem" role="alert" data-testid="range-problem">
          {props.problem}
        </p>
      )}
    </fieldset>
  );
}
