/**
 * `tsx bench/report-memory.ts [-- --worklogs 1000000] [-- --seed 1] [-- --json]`: what one
 * tenant's report columns hold in memory, per worklog, and how close the columns cache's estimate
 * (src/reporting/engine/columns-byte-size.ts, what `TALLY_REPORT_MEMORY_MB` is counted in) is to
 * the process's real growth — heap plus array buffers, after forced collections, around a load
 * from the tenant's SQLite file. Then one report by user × month in a zone, which builds that
 * zone's day column and author × day rollup, measured the same way (and estimated, where the
 * columns report those structures through `derivedBytes()`). Data: bench:reports' tenant
 * (bench/report-data.ts, cached under os.tmpdir()).
 */
import { setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';
import { runInNewContext } from 'node:vm';
import { dictionaryBytes, estimateColumnsBytes, typedArrayBytes } from '../src/reporting/engine/columns-byte-size.js';
import { loadWorklogColumns } from '../src/reporting/engine/worklog-columns.js';
import { createSqliteStoreProvider } from '../src/store/sqlite-store-provider.js';
import { printBench } from './bench-output.js';
import { reportData } from './report-data.js';

const { values } = parseArgs({ options: { worklogs: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
const worklogs = Number(values.worklogs);
const log = (message: string) => process.stderr.write(`${message}\n`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Heap and array buffers after full collections: what the columns add, without garbage. */
const usedBytes = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

log(`preparing ${worklogs.toLocaleString('en-US')} worklogs…`);
const data = await reportData(worklogs, Number(values.seed));
const provider = createSqliteStoreProvider({ dataDir: data.dataDir });
const store = await provider.open(data.tenantId);

const before = usedBytes();
const loadStartMs = performance.now();
const columns = await loadWorklogColumns(store);
const loadSeconds = (performance.now() - loadStartMs) / 1000;
const loaded = usedBytes() - before;
const estimated = estimateColumnsBytes(columns);

const byMonth = { fromDate: '1970-01-01', toDate: '2099-12-31', timeZone: 'Europe/Berlin', groupBy: ['user', 'month'], sort: { by: 'key', direction: 'asc' } } as const;
// The zone's tables and Intl's data are per process, not per tenant: warmed on a tiny copy first.
(await loadWorklogColumns({ countWorklogs: async () => 0, scanReportColumns: async function* () {} })).summarize(byMonth, () => undefined);
const zoneBefore = usedBytes();
columns.summarize(byMonth, () => undefined);
const zone = usedBytes() - zoneBefore;
// Counted only where the columns report their derived structures (`derivedBytes`).
const zoneEstimated = estimateColumnsBytes(columns) - estimated;

const perWorklog = (bytes: number) => (bytes / columns.size).toFixed(1);
printBench(
  'report-memory',
  [
    {
      worklogs: columns.size,
      loadSeconds: loadSeconds.toFixed(2),
      authors: columns.arrays.accounts.length - 1,
      issues: columns.arrays.issues.length,
      typedArrayBytes: typedArrayBytes(columns.arrays),
      dictionaryBytes: dictionaryBytes(columns.arrays),
      estimatedBytes: estimated,
      measuredBytes: loaded,
      measuredToEstimated: (loaded / estimated).toFixed(3),
      estimatedPerWorklog: perWorklog(estimated),
      measuredPerWorklog: perWorklog(loaded),
      oneZoneMeasuredBytes: zone,
      oneZoneEstimatedBytes: zoneEstimated,
      oneZoneMeasuredPerWorklog: perWorklog(zone),
    },
  ],
  process.argv,
);
await provider.close();
