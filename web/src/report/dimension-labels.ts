/** How each grouping dimension is named in the page: the names the exports use too. */
export { DIMENSION_NAMES as DIMENSION_LABELS } from '../../../src/reporting/report-model.js';
