import { describe, expect, it } from 'vitest';
import { bodyParameterCount, headerFormatOf, headerMediaProblem, headerParameterCount } from './template-header';

describe("a WhatsApp template's header and body, as Meta lists them", () => {
  it('reads the header format and the distinct body parameters, and says "not known" without components', () => {
    expect(headerFormatOf([{ type: 'HEADER', format: 'DOCUMENT' }, { type: 'BODY', text: 'x' }])).toBe('DOCUMENT');
    expect(headerFormatOf([{ type: 'BODY', text: 'x' }])).toBeNull();
    // A header format Meta adds later is treated as one that takes no file.
    expect(headerFormatOf([{ type: 'HEADER', format: 'PRODUCT' }])).toBe('TEXT');
    expect(headerFormatOf(undefined)).toBeUndefined();
    expect(bodyParameterCount([{ type: 'BODY', text: 'Hola {{1}}, tu turno es el {{2}} a las {{ 3 }}; {{1}}, te esperamos' }])).toBe(3);
    expect(bodyParameterCount([{ type: 'BODY', text: 'Hola {{first_name}}, pedido {{order}}' }])).toBe(2);
    expect(bodyParameterCount([{ type: 'HEADER', format: 'TEXT', text: '{{1}}' }])).toBe(0);
    expect(bodyParameterCount(undefined)).toBeUndefined();
  });

  it("counts a TEXT header's variable (Meta allows one), none for a media header or no header, not known without components", () => {
    expect(headerParameterCount([{ type: 'HEADER', format: 'TEXT', text: 'Hola {{1}}' }, { type: 'BODY', text: '{{1}} {{2}}' }])).toBe(1);
    expect(headerParameterCount([{ type: 'HEADER', format: 'TEXT', text: 'Novedades' }])).toBe(0);
    // Meta lists a TEXT header without `format` at times: read as TEXT, as headerFormatOf does.
    expect(headerParameterCount([{ type: 'HEADER', text: 'Pedido {{order}}' }])).toBe(1);
    expect(headerParameterCount([{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['x'] } }])).toBe(0);
    expect(headerParameterCount([{ type: 'BODY', text: 'Hola {{1}}' }])).toBe(0);
    expect(headerParameterCount(undefined)).toBeUndefined();
  });

  it('says why a file does not fit a header, and nothing when it fits or the format is not known', () => {
    const cases: [Parameters<typeof headerMediaProblem>[0], string | null, string | null][] = [
      ['IMAGE', 'image/jpeg', null],
      ['IMAGE', 'image/png', null],
      ['IMAGE', null, 'template_header_needs_media'],
      ['IMAGE', 'application/pdf', 'template_header_media_type'],
      // Meta's image headers take JPEG and PNG only: a WebP would go as a document.
      ['IMAGE', 'image/webp', 'template_header_media_type'],
      ['VIDEO', 'video/mp4', null],
      ['VIDEO', 'image/jpeg', 'template_header_media_type'],
      ['DOCUMENT', 'application/pdf', null],
      ['DOCUMENT', 'audio/ogg', 'template_header_media_type'],
      ['TEXT', 'image/jpeg', 'template_header_takes_no_media'],
      ['LOCATION', 'image/jpeg', 'template_header_takes_no_media'],
      [null, 'application/pdf', 'template_header_takes_no_media'],
      ['TEXT', null, null],
      [null, null, null],
      [undefined, 'image/jpeg', null],
      [undefined, null, null],
    ];
    for (const [format, mimeType, problem] of cases) expect({ format, mimeType, problem: headerMediaProblem(format, mimeType) }).toEqual({ format, mimeType, problem });
  });
});
