import { describe, expect, it } from 'vitest';
import { matchOptOut } from './opt-out';

describe('opt-out keywords', () => {
  it.each([
    ['STOP', 'stop'],
    ['Stop!!', 'stop'],
    ['  baja.  ', 'baja'],
    ['BAJA 🙏', 'baja'],
    ['No me escriban más por favor', 'no me escriban'],
    ['NO ME ESCRIBAN', 'no me escriban'],
    ['please unsubscribe', 'unsubscribe'],
    ['Unsubscribe', 'unsubscribe'],
    ['remove me from this list', 'remove me'],
    ['Quiero darme de baja', 'darme de baja'],
  ])('%j → %j', (text, keyword) => {
    expect(matchOptOut(text)).toBe(keyword);
  });

  it.each(['Hola, ¿cuánto cuesta?', 'stopped by the store yesterday', 'no paran de llegar, stop the truck', 'la baja de precios me interesa', '', 'ok'])(
    'leaves %j alone',
    (text) => {
      expect(matchOptOut(text)).toBeNull();
    },
  );

  it('uses the tenant list when given', () => {
    expect(matchOptOut('basta', ['basta'])).toBe('basta');
    expect(matchOptOut('stop', ['basta'])).toBeNull();
  });
});
