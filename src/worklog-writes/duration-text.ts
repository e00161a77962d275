/**
 * Jira's duration text, as its "Time spent" field takes it: `1w 2d 3h 30m` (each unit once, any
 * order), decimals such as `1.5h`, or a bare number of minutes (`90`). Tally only checks the
 * syntax and passes the text on as `timeSpent`, so Jira converts days and weeks with the site's
 * own working day and week (Jira admin › Time tracking), which Tally does not know.
 */

const UNIT_PART = /^(\d{1,6}(?:\.\d{1,4})?)([wdhm])$/;
const BARE_MINUTES = /^\d{1,7}$/;

/** The outcome of {@link normaliseDurationText}. */
export type DurationTextResult = { ok: true; text: string } | { ok: false; message: string };

/**
 * Checks `input` and returns it normalised (trimmed, lower case, single spaces), or says why it
 * is not a duration Jira accepts. Zero is refused (Jira: "Invalid time duration entered"). Pure.
 */
export function normaliseDurationText(input: string): DurationTextResult {
  const text = input.trim().toLowerCase().replace(/\s+/g, ' ');
  const refuse = (message: string): DurationTextResult => ({ ok: false, message });
  if (text === '') return refuse('enter the time spent, e.g. 1h 30m');
  if (BARE_MINUTES.test(text)) return Number(text) > 0 ? { ok: true, text } : refuse('must be more than zero');
  const seen = new Set<string>();
  let total = 0;
  for (const part of text.split(' ')) {
    const match = UNIT_PART.exec(part);
    if (!match) return refuse(`"${part.slice(0, 20)}" is not a duration; use w, d, h and m, e.g. 1h 30m`);
    const unit = match[2] as string;
    if (seen.has(unit)) return refuse(`"${unit}" appears twice`);
    seen.add(unit);
    total += Number(match[1]);
  }
  return total > 0 ? { ok: true, text } : refuse('must be more than zero');
}
