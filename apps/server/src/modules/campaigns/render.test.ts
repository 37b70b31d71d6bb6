import { describe, expect, it } from 'vitest';
import { graphemeLength, renderTemplate, renderText, truncateGraphemes, valuesOf, variablesOf } from './render';

const ana = valuesOf({ firstName: 'Ana', lastName: 'Pérez', company: 'Acme SRL', email: null, phoneE164: '+5491144445555', attributes: { industry: 'seguros', employees: 12 } });
const nameless = valuesOf({ firstName: '', lastName: '', company: '', email: null, phoneE164: null, attributes: {} });

describe('template rendering', () => {
  it('fills in contact fields and custom attributes', () => {
    expect(renderText('Hola {{firstName}} de {{company}} ({{industry}}, {{attributes.employees}} personas)', ana)).toEqual({
      text: 'Hola Ana de Acme SRL (seguros, 12 personas)',
      missing: [],
    });
  });

  it('uses the fallback when the value is missing or blank', () => {
    expect(renderText('Hola {{firstName|amigo}}, {{ company | tu empresa }}', nameless).text).toBe('Hola amigo, tu empresa');
    expect(renderText('Hola {{firstName|amigo}}', ana).text).toBe('Hola Ana');
  });

  it('renders a missing attribute without a fallback as nothing and reports it', () => {
    expect(renderText('Hola {{firstName}}: {{plan}}.', nameless)).toEqual({ text: 'Hola : .', missing: ['firstName', 'plan'] });
  });

  it('keeps emoji, other scripts and right-to-left text as written', () => {
    const rtl = valuesOf({ firstName: 'مريم', lastName: '', company: 'שלום בע״מ', email: null, phoneE164: null, attributes: {} });
    expect(renderText('👋🏽 {{firstName}} — {{company}} 🇦🇷 👨‍👩‍👧', rtl).text).toBe('👋🏽 مريم — שלום בע״מ 🇦🇷 👨‍👩‍👧');
    expect(renderText('مرحبا {{firstName|صديقي}}!', nameless).text).toBe('مرحبا صديقي!');
  });

  it('renders the WhatsApp template parameters with the same variables', () => {
    const out = renderTemplate({ body: 'Hola {{firstName}}', whatsappTemplate: { name: 'promo', language: 'es_AR', parameters: ['{{firstName|cliente}}', '{{company}}'] } }, nameless);
    expect(out.whatsappTemplate).toEqual({ name: 'promo', language: 'es_AR', parameters: ['cliente', ''] });
    expect(out.missing).toEqual(['firstName', 'company']);
  });

  it("renders a TEXT header's parameter like the body's, and sends none when the mapping has none", () => {
    const mapping = { name: 'pedido', language: 'es_AR', parameters: ['{{company|tu empresa}}'], headerParameters: ['{{firstName|cliente}} {{lastName}}'] };
    const out = renderTemplate({ body: '', whatsappTemplate: mapping }, nameless);
    expect(out.whatsappTemplate).toEqual({ name: 'pedido', language: 'es_AR', parameters: ['tu empresa'], headerParameters: ['cliente '] });
    expect(out.missing).toEqual(['lastName']);
    // A mapping saved before header parameters existed.
    expect(renderTemplate({ body: '', whatsappTemplate: { name: 'pedido', language: 'es_AR', parameters: [] } }, nameless).whatsappTemplate).toEqual({ name: 'pedido', language: 'es_AR', parameters: [] });
  });

  it('lists the variables a template uses', () => {
    expect(variablesOf('{{firstName|x}} {{company}} {{firstName}}', '{{industry}}')).toEqual(['firstName', 'company', 'industry']);
  });
});

describe('Unicode-safe length', () => {
  it('counts what a person sees, not code units', () => {
    expect(graphemeLength('hola')).toBe(4);
    expect(graphemeLength('👨‍👩‍👧‍👦')).toBe(1);
    expect(graphemeLength('🇦🇷🇪🇸')).toBe(2);
    expect(graphemeLength('é')).toBe(1); // e + combining accent
    expect(graphemeLength('שלום')).toBe(4);
  });

  it('never cuts a surrogate pair or an emoji sequence', () => {
    const text = 'ok 😀👍🏽🇦🇷';
    expect(truncateGraphemes(text, 4)).toBe('ok 😀');
    expect(truncateGraphemes(text, 5)).toBe('ok 😀👍🏽');
    for (let n = 0; n <= graphemeLength(text); n++) {
      const cut = truncateGraphemes(text, n);
      expect(cut).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(text.startsWith(cut)).toBe(true);
    }
  });
});
