import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PHONE, screenshot } from './browser';
import { apiPost, useServerAndBrowser } from './flows';
import { gradientPng } from './images';

const e2e = useServerAndBrowser({ workspace: {} });

/** Drops a file on an element as a person dragging it from their desktop would. */
async function dropFile(page: Page, selector: string, file: { name: string; type: string; data: Buffer }) {
  // Browser code as text: the e2e project is type-checked without the DOM library.
  const transfer = await page.evaluateHandle(`(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(file.data.toString('base64'))}), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], ${JSON.stringify(file.name)}, { type: ${JSON.stringify(file.type)} }));
    return dt;
  })()`);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, type, { dataTransfer: transfer });
}

/** Whether an <img> was served and decoded (a broken image has no natural width). */
const decoded = (img: unknown) => {
  const { complete, naturalWidth } = img as { complete: boolean; naturalWidth: number };
  return complete && naturalWidth > 0;
};
const loaded = (page: Page, selector: string) => page.locator(selector).first().evaluate(decoded);

describe('files in the browser', () => {
  it('attaches an image to a template by dragging it, previews it for a contact, keeps it after a reload, and removes it', async () => {
    const { page, console } = await e2e.signedInPage();
    await apiPost(page, '/api/v1/contacts', { firstName: 'Ana', lastName: 'Prueba', phone: '+5491144445501' });
    const image = gradientPng(320, 200);

    await page.goto('/campaigns/templates/new');
    await page.getByLabel('Template name').fill('Promo con foto');
    await page.getByTestId('template-body').fill('Hola {{firstName}}, mirá la promo de verano');
    // Too big for an image: refused before uploading, in the reader's words.
    await dropFile(page, '[data-testid="file-drop"]', { name: 'enorme.png', type: 'image/png', data: Buffer.alloc(6 * 1024 * 1024) });
    await page.getByRole('alert').getByText('enorme.png is 6 MB: image files can be at most 5 MB.').waitFor();
    await dropFile(page, '[data-testid="file-drop"]', { name: 'verano.png', type: 'image/png', data: image });
    const card = page.getByTestId('attachment');
    await card.getByTestId('attachment-name').getByText('verano.png').waitFor();
    await card.getByText(/^\d+(\.\d)? KB · image\/png$/).waitFor();
    await expect.poll(() => loaded(page, '[data-testid="attachment"] img')).toBe(true);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Edit template' }).waitFor();

    await page.getByRole('button', { name: 'Ana Prueba' }).click();
    await page.getByTestId('template-preview').getByText('Hola Ana, mirá la promo de verano').waitFor();
    await page.getByTestId('template-preview-media').waitFor();
    await expect.poll(() => loaded(page, '[data-testid="template-preview-media"]')).toBe(true);
    await screenshot(page, 'files-template-media-desktop-dark');

    // Saved with the template: after a reload the file is still there, with its size looked up.
    await page.reload();
    await page.getByTestId('attachment').getByText('verano.png').waitFor();
    await page.getByTestId('attachment').getByText(/KB · image\/png$/).waitFor();
    await page.getByRole('button', { name: 'Remove verano.png' }).click();
    await page.getByTestId('file-drop').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Template saved').first().waitFor();
    const id = new URL(page.url()).pathname.split('/').pop();
    const saved = await page.request.get(`/api/v1/templates/${id}`).then((r) => r.json() as Promise<{ media: unknown[] }>);
    expect(saved.media).toEqual([]);
    expect(console.errors).toEqual([]);
  });

  it('sends an image with a caption as an inbox reply on the Sandbox channel and shows it in the thread', async () => {
    const { page, console } = await e2e.signedInPage();
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', { kind: 'sandbox', name: 'Demo sandbox', config: { deliveredAfterMs: 300, readAfterMs: 900 } });
    await apiPost(page, `/api/v1/channels/${channel.id}/sandbox/inbound`, { from: '+5491144447777', text: '¿Me mandás una foto del producto?' });
    await page.goto('/inbox');
    await page.getByTestId('conversation-row').filter({ hasText: 'foto del producto' }).click();
    await page.getByTestId('thread').getByText('¿Me mandás una foto del producto?').waitFor();

    await page.getByLabel('Attach a file').first().setInputFiles({ name: 'producto.png', mimeType: 'image/png', buffer: gradientPng(480, 300) });
    await page.getByTestId('attachment').getByText('producto.png').waitFor();
    await page.getByTestId('composer-input').fill('Acá va, ¿te sirve?');
    await screenshot(page, 'files-inbox-attachment-desktop-dark');
    await page.getByRole('button', { name: 'Send' }).click();

    const sent = page.getByTestId('message').filter({ hasText: 'Acá va, ¿te sirve?' });
    await sent.locator('img').waitFor();
    await expect.poll(() => sent.locator('img').evaluate(decoded)).toBe(true);
    await sent.locator('[data-testid="message-status"][data-status="read"]').waitFor();
    await expect.poll(() => page.getByTestId('attachment').count()).toBe(0);
    await screenshot(page, 'files-inbox-sent-desktop-dark');

    // On a phone the composer keeps its buttons, the attached file and the text in reach.
    await page.setViewportSize(PHONE);
    await page.getByLabel('Attach a file').first().setInputFiles({ name: 'lista-de-precios-2026.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%%EOF\n') });
    await page.getByTestId('attachment').getByText('lista-de-precios-2026.pdf').waitFor();
    await screenshot(page, 'files-inbox-attachment-phone-dark');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('message').filter({ hasText: 'lista-de-precios-2026.pdf' }).getByRole('link').waitFor();
    expect(console.errors).toEqual([]);
  });
});
