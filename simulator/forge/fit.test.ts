import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { createForgeTestbed } from './testing/forge-testbed.js';

describe('Forge Invocation Token', () => {
  it('verifies with jose against the served JWKS and carries the documented claims', async () => {
    const bed = createForgeTestbed();
    const { sim } = bed;
    await sim.forge.install();
    const [installed] = bed.calls;
    const fit = bed.fitOf(installed!);

    expect(decodeProtectedHeader(fit)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const claims = await bed.verifyFit(fit);
    const iat = Math.floor(sim.clock.now() / 1000);
    const apiBaseUrl = `https://api.atlassian.com/ex/jira/${sim.forge.cloudId}`;
    expect(claims).toMatchObject({
      iss: 'forge/invocation-token',
      aud: sim.forge.appId,
      iat,
      nbf: iat,
      exp: iat + 25,
      jti: expect.any(String),
      app: {
        id: sim.forge.appId,
        appVersion: '1.0.0',
        environment: { type: 'PRODUCTION', id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        installationId: sim.forge.installationId,
        apiBaseUrl,
        installation: { id: sim.forge.installationId, contexts: [{ name: 'jira', apiBaseUrl, cloudId: sim.forge.cloudId }] },
        module: { type: 'core:endpoint', key: 'lifecycle-ep' },
      },
    });
    expect(sim.forge.installationId).toMatch(/^ari:cloud:ecosystem::installation\/[0-9a-f-]{36}$/);
    // Backend invocations carry no user and no context.
    expect(claims).not.toHaveProperty('principal');
    expect(claims).not.toHaveProperty('context');
  });

  it('expires 25 seconds after it was issued, on the site clock', async () => {
    const bed = createForgeTestbed();
    await bed.sim.forge.install();
    const fit = bed.fitOf(bed.calls[0]!);
    bed.sim.clock.advance(26_000);
    await expect(bed.verifyFit(fit)).rejects.toThrow(/exp/);
  });

  it('keeps verifying after a key rotation until the old key is retired', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const before = await forge.signFit();
    const newKid = forge.rotateSigningKey();
    const after = await forge.signFit();

    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(forge.jwks().keys).toHaveLength(2);
    await expect(bed.verifyFit(before)).resolves.toBeDefined();
    await expect(bed.verifyFit(after)).resolves.toBeDefined();

    forge.rotateSigningKey({ retirePrevious: true });
    expect(forge.jwks().keys).toHaveLength(1);
    await expect(bed.verifyFit(before)).rejects.toThrow();
    await expect(bed.verifyFit(after)).rejects.toThrow();
  });

  it('forges tokens a verifier must refuse: unknown key, a served kid with the wrong key, alg none, HS256 confusion', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const servedKid = forge.jwks().keys[0]!.kid;

    await expect(bed.verifyFit(await forge.signFit({}, { key: 'unknown' }))).rejects.toThrow();
    await expect(bed.verifyFit(await forge.signFit({}, { key: 'unknown', kid: servedKid }))).rejects.toThrow(/signature/);
    await expect(bed.verifyFit(await forge.signFit({}, { alg: 'none' }))).rejects.toThrow();
    await expect(bed.verifyFit(await forge.signFit({}, { alg: 'HS256' }))).rejects.toThrow();
  });

  it('merges forged claims deeply and removes the ones set to undefined', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const claims = await bed.verifyFit(await forge.signFit({ app: { installationId: 'ari:cloud:ecosystem::installation/other' }, jti: undefined, icLabel: 'bad label!' }));

    expect(claims).toMatchObject({ app: { id: forge.appId, installationId: 'ari:cloud:ecosystem::installation/other', installation: { id: forge.installationId } }, icLabel: 'bad label!' });
    expect(claims).not.toHaveProperty('jti');
    await expect(bed.verifyFit(await forge.signFit({ iss: 'someone-else' }))).rejects.toThrow(/iss/);
    await expect(bed.verifyFit(await forge.signFit({ aud: 'ari:cloud:ecosystem::app/00000000-0000-0000-0000-000000000000' }))).rejects.toThrow(/aud/);
  });

  it('serves the JWKS at /.well-known/jwks.json without authentication', async () => {
    const bed = createForgeTestbed();
    const response = await bed.sim.fetch('https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json');

    expect(response.status).toBe(200);
    const body = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
    expect(body.keys[0]).not.toHaveProperty('d');
  });

  it('gives a reinstall a new installation id and keeps the cloud id', async () => {
    const bed = createForgeTestbed();
    const { forge } = bed.sim;
    await forge.install();
    const first = forge.installationId;
    await forge.uninstall();
    expect(forge.installationId).toBeUndefined();
    await forge.install();

    expect(forge.installationId).not.toBe(first);
    const claims = await bed.verifyFit(await forge.signFit());
    expect(claims).toMatchObject({ app: { installationId: forge.installationId, installation: { contexts: [{ cloudId: forge.cloudId }] } } });
  });
});
