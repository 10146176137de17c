import { errorMessage } from './error-message.js';

describe('errorMessage', () => {
  it("gives an Error's message, or its stack on request", () => {
    const error = new RangeError('too far');
    expect(errorMessage(error)).toBe('too far');
    expect(errorMessage(error, { stack: true })).toMatch(/^RangeError: too far\n\s+at /);
  });

  it('turns anything else thrown into a string', () => {
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage({ toString: () => 'custom' })).toBe('custom');
  });
});
