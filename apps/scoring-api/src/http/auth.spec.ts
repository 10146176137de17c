import { createSecretMatcher } from './auth.js';

describe('createSecretMatcher', () => {
  const matches = createSecretMatcher(['first-key-0123456789', 'second-key-0123456789']);

  it('accepts each configured key and nothing else', () => {
    expect(matches('first-key-0123456789')).toBe(true);
    expect(matches('second-key-0123456789')).toBe(true);
    expect(matches('first-key-012345678')).toBe(false);
    expect(matches('first-key-01234567890')).toBe(false);
    expect(matches('')).toBe(false);
    expect(matches('FIRST-KEY-0123456789')).toBe(false);
  });

  it('accepts nothing when no key is configured', () => {
    expect(createSecretMatcher([])('anything-at-all-here')).toBe(false);
  });
});
