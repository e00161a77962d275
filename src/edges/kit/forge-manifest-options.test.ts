import { describe, expect, it } from 'vitest';
import { checkForgeAppIdentity } from './forge-manifest-options.js';

const APP_ID = 'ari:cloud:ecosystem::app/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

describe('checkForgeAppIdentity', () => {
  it('accepts an app id and an https origin, giving the origin without its trailing slash', () => {
    expect(checkForgeAppIdentity({ appId: APP_ID, baseUrl: 'https://Tally.Example.com/' })).toEqual({ origin: 'https://tally.example.com', problems: [] });
  });

  it('lists every problem with its field, never throwing', () => {
    expect(checkForgeAppIdentity({ appId: APP_ID.toUpperCase(), baseUrl: 'http://user@tally.example.com/tally?x=1' }).problems.map((p) => p.split(':')[0])).toEqual(['appId', 'baseUrl', 'baseUrl']);
    expect(checkForgeAppIdentity({ appId: APP_ID, baseUrl: 'tally.example.com' })).toEqual({ origin: '', problems: ['baseUrl: not a URL'] });
  });
});
