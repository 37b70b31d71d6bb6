/**
 * Opt-out keywords. A reply opts out when, once lower-cased, stripped of accents, punctuation
 * and emoji, it is one of the keywords, or it contains one of the multi-word phrases. A single
 * word only counts on its own ("STOP", "Baja.", "stop!!"), so "stop the truck" or "la baja de
 * precios" are not opt-outs, except words nobody writes by accident ("unsubscribe"); a phrase
 * counts anywhere ("no me escriban más, gracias").
 * See docs/decisions/0010-opt-out-keywords.md.
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = [
  'stop',
  'stop all',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'optout',
  'opt out',
  'remove me',
  'do not contact me',
  "don't text me",
  'dont text me',
  'baja',
  'dar de baja',
  'darme de baja',
  'de baja',
  'no me escriban',
  'no me escribas',
  'no me escriban mas',
  'no quiero recibir mas mensajes',
  'no quiero mas mensajes',
  'no me interesa recibir mensajes',
  'no molesten',
  'no me molesten',
  'borrame',
  'eliminame',
  'cancelar suscripcion',
  'desuscribir',
  'desuscribirme',
  'parar',
  'sair',
  'cancelar',
  'nao quero receber',
];

/** Words nobody writes by accident: they count anywhere in the text. */
const UNAMBIGUOUS = new Set(['unsubscribe', 'optout', 'desuscribir', 'desuscribirme']);

export function normalizeForKeywords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’`´]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

type Prepared = { raw: string; keyword: string; anywhere: boolean }[];
/** Each keyword list normalised once (a drain's batch matches hundreds of replies against the same list). */
const preparedLists = new WeakMap<readonly string[], Prepared>();
function prepared(keywords: readonly string[]): Prepared {
  let list = preparedLists.get(keywords);
  if (!list) {
    list = keywords.flatMap((raw) => {
      const keyword = normalizeForKeywords(raw);
      return keyword ? [{ raw, keyword, anywhere: keyword.includes(' ') || UNAMBIGUOUS.has(keyword) }] : [];
    });
    preparedLists.set(keywords, list);
  }
  return list;
}

/** The keyword the text matches, or null. */
export function matchOptOut(text: string | null | undefined, keywords: readonly string[] = DEFAULT_OPT_OUT_KEYWORDS): string | null {
  if (!text) return null;
  const normalized = normalizeForKeywords(text);
  if (!normalized || normalized.length > 200) return null;
  const padded = ` ${normalized} `;
  for (const { raw, keyword, anywhere } of prepared(keywords)) {
    if (normalized === keyword) return raw;
    if (anywhere && padded.includes(` ${keyword} `)) return raw;
  }
  return null;
}
