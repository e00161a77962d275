import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { visibleSetOf } from '../support/site-expectations.js';

let bed: TallyTestbed;
afterEach(async () => bed?.close());

function captureIo(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t), isTTY }, stderr: { write: (t: string) => err.push(t) } }, out: () => out.join(''), err: () => err.join('') };
}

async function installed() {
  bed = await createTallyTestbed({ simulator: { generate: { worklogs: 2500, seed: 31 } } });
  const result = await bed.sim.connect.install(bed.descriptorUrl);
  if (!result.ok) throw new Error('install failed');
  return { clientKey: result.clientKey, tenantId: (await bed.connect.findCredentialsByClientKey(result.clientKey))!.tenant.id };
}

describe('the tally command', () => {
  it('syncs a tenant with progress, lists it, and exports exactly the visible worklogs', async () => {
    const { clientKey, tenantId } = await installed();
    const sync = captureIo();
    expect(await runCli(['sync', tenantId, '--full'], bed.config, bed.runtime, sync.io)).toBe(0);
    expect(sync.out()).toMatch(/\[#+\.*\]\s+\d+\.\d%\s+\d+ worklogs\s+ETA/);
    expect(sync.out()).toContain(`Synced ${tenantId}`);

    const list = captureIo();
    expect(await runCli(['tenants', 'list', '--json'], bed.config, bed.runtime, list.io)).toBe(0);
    const tenants = JSON.parse(list.out()) as { tenantId: string; syncPhase: string; worklogs: number; site: string }[];
    const expected = visibleSetOf(bed.sim, bed.config.appKey);
    expect(tenants).toEqual([expect.objectContaining({ tenantId, syncPhase: 'incremental', worklogs: expected.length, site: bed.sim.site.baseUrl })]);

    const exported = captureIo();
    expect(await runCli(['worklogs', 'export', '--tenant', clientKey], bed.config, bed.runtime, exported.io)).toBe(0);
    const rows = exported.out().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(rows[0]!)).toEqual(['client_worklog_id', 'account_id', 'client_issue_id', 'comment', 'created', 'updated', 'started', 'time_spent_seconds']);
    expect(rows.map((r) => ({
      clientWorklogId: r.client_worklog_id,
      accountId: r.account_id,
      clientIssueId: r.client_issue_id,
      comment: r.comment,
      created: r.created,
      updated: r.updated,
      started: r.started,
      timeSpentSeconds: r.time_spent_seconds,
    }))).toEqual(expected);
  });

  it('exports CSV with RFC 4180 quoting', async () => {
    const { tenantId } = await installed();
    await runCli(['sync', tenantId], bed.config, bed.runtime, captureIo().io);
    const csv = captureIo();
    expect(await runCli(['worklogs', 'export', '--tenant', tenantId, '--format', 'csv'], bed.config, bed.runtime, csv.io)).toBe(0);
    const text = csv.out();
    expect(text.startsWith('client_worklog_id,account_id,client_issue_id,comment,created,updated,started,time_spent_seconds\r\n')).toBe(true);
    // ADF comments are JSON with quotes and commas: every such cell is quoted, quotes doubled.
    expect(text).toMatch(/,"\{""type"":""doc""/);
    expect(text.split('\r\n').filter(Boolean).length).toBe(visibleSetOf(bed.sim, bed.config.appKey).length + 1);
  });

  it('explains bad usage and unknown tenants without a stack trace', async () => {
    await installed();
    const unknown = captureIo();
    expect(await runCli(['worklogs', 'export', '--tenant', 'no-such-site'], bed.config, bed.runtime, unknown.io)).toBe(1);
    expect(unknown.err()).toMatch(/^tally: no tenant "no-such-site"/);
    const badFormat = captureIo();
    expect(await runCli(['worklogs', 'export', '--tenant', 'x', '--format', 'xml'], bed.config, bed.runtime, badFormat.io)).toBe(2);
    expect(badFormat.err()).toContain('--format must be ndjson or csv');
    const badCommand = captureIo();
    expect(await runCli(['frobnicate'], bed.config, bed.runtime, badCommand.io)).toBe(2);
    expect(badCommand.err()).toContain('Usage: tally');
    expect(unknown.err() + badFormat.err() + badCommand.err()).not.toMatch(/\n\s+at /);
  });
});
