import type { GroupDimension } from '../api/api-types.js';

/** How each grouping dimension is named in the page. */
export const DIMENSION_LABELS: Record<GroupDimension, string> = {
  user: 'User',
  issue: 'Issue',
  project: 'Project',
  parent: 'Parent',
  day: 'Day',
  week: 'Week',
  month: 'Month',
  year: 'Year',
};
